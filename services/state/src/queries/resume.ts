import { channels } from "../notify.js";
import type { Sql, StepInsert } from "../types.js";

/** A memo entry written by a service on a run's behalf (a sleep ended, a wait resolved, …). */
export type ResumeStep = StepInsert;

export interface Resume {
  runId: string;
  step?: ResumeStep;
  attempt?: number;
  targetStepId?: string;
}

/**
 * Resumes parked runs: stores the memo entries that resolved them (duplicates ignored) and
 * queues a (coalesced) discovery item for every run that has not ended, in one statement.
 */
export async function runsResume(sql: Sql, resumes: Resume[]): Promise<number> {
  if (resumes.length === 0) return 0;
  const payload = resumes.map((r, n) => ({
    n,
    run_id: r.runId,
    step_id: r.step?.stepId ?? null,
    user_id: r.step?.userId ?? null,
    name: r.step?.name ?? null,
    status: r.step?.status ?? null,
    output: r.step?.output ?? null,
    error: r.step?.error ?? null,
    attempt: r.attempt ?? 0,
    target: r.targetStepId ?? "",
  }));
  const [row] = await sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(n int, run_id uuid, step_id text, user_id text, name text, status text, output text, error jsonb, attempt int, target text)
    ), s as (
      insert into steps (run_id, step_id, user_id, name, status, output, error, attempt)
      select x.run_id, x.step_id, x.user_id, x.name, x.status, x.output, x.error, 0 from x join runs r on r.id = x.run_id
      where x.step_id is not null and r.status not in ('completed', 'failed', 'cancelled')
      order by x.n
      on conflict do nothing
      returning run_id
    ), q as (
      insert into queue (run_id, app_id, function_id, attempt, target_step_id)
      select x.run_id, r.app_id, r.function_id, x.attempt, x.target from x join runs r on r.id = x.run_id
      where r.status not in ('completed', 'failed', 'cancelled')
      on conflict (run_id, target_step_id) do update set dirty = true
      returning run_id, app_id || '/' || function_id as k
    ), u as (
      update runs set
        step_count = step_count + (select count(*) from s where s.run_id = runs.id),
        status = case when status in ('sleeping', 'waiting') and exists (select 1 from q where q.run_id = runs.id) then 'queued' else status end,
        updated_at = now()
      where id in (select distinct run_id from x)
      returning id
    ), nq as (select pg_notify(${channels.queue}, k) from (select distinct k from q) d),
    nr as (select pg_notify(${channels.runs}, id::text) from u)
    select (select count(*) from q)::int as queued, (select count(*) from nq) + (select count(*) from nr) as notified`;
  return row.queued as number;
}
