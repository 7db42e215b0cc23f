import { channels } from "../notify.js";
import type { Sql } from "../types.js";

/**
 * Fires due timers: deletes them and requeues their runs in one transaction. SKIP LOCKED and
 * the delete make each timer fire exactly once across any number of schedulers.
 */
export async function timersFire(sql: Sql, limit: number): Promise<number> {
  const [row] = await sql`
    with t as (
      delete from timers where id in (
        select id from timers where due_at <= now() order by due_at limit ${limit} for update skip locked
      )
      returning *
    ), q as (
      insert into queue (run_id, app_id, function_id, attempt, target_step_id)
      select t.run_id, r.app_id, r.function_id, coalesce((t.data->>'attempt')::int, 0), coalesce(t.data->>'targetStepId', '')
      from t join runs r on r.id = t.run_id
      where t.kind in ('retry', 'sleep') and r.status not in ('completed', 'failed', 'cancelled')
      on conflict do nothing
      returning run_id, app_id || '/' || function_id as k
    ), r as (
      update runs set status = 'queued', updated_at = now() where id in (select run_id from q) returning id
    ), n as (
      select pg_notify(${channels.queue}, k) from (select distinct k from q) d
    )
    select (select count(*) from t)::int as fired, (select count(*) from r) as requeued, (select count(*) from n) as notified`;
  return row.fired as number;
}

/** Due time (ms) of the earliest timer, or null when none is pending. */
export async function timersNextDue(sql: Sql): Promise<{ nextDueAtMs: number | null; pending: number }> {
  const [row] = await sql`select min(due_at) as next, count(*)::int as pending from timers`;
  return { nextDueAtMs: row.next ? new Date(row.next).getTime() : null, pending: row.pending };
}
