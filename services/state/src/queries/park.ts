import { channels, stepNotice } from "../notify.js";
import { terminalStatuses, type RunStatusName, type Sql, type StepInsert } from "../types.js";

/**
 * Locks the run's queue item if the lease is still held: "fenced" when it is not; "ended" when
 * the run was cancelled meanwhile (the item is dropped: nothing more is scheduled).
 */
export async function leaseHold(sql: Sql, p: { runId: string; leaseId: string }): Promise<"held" | "fenced" | "ended"> {
  const rows = await sql`
    select q.id, r.status from queue q join runs r on r.id = q.run_id
    where q.run_id = ${p.runId} and q.lease_id = ${p.leaseId} and q.lease_expires_at > now() for update of q`;
  if (rows.length === 0) return "fenced";
  if (terminalStatuses.includes(rows[0]!.status as RunStatusName)) {
    await queueDrop(sql, p);
    return "ended";
  }
  return "held";
}

/** Drops a leased item of a run that ended while its step was in flight. */
export async function queueDrop(sql: Sql, p: { runId: string; leaseId: string }): Promise<void> {
  await sql`delete from queue where run_id = ${p.runId} and lease_id = ${p.leaseId}`;
}

/**
 * Queues one item per planned step, so parallel steps can run on different workers, and puts
 * the run in plan mode. A step already queued or waiting for its retry is not queued again.
 */
export async function queueTargets(sql: Sql, p: { runId: string; appId: string; functionId: string; stepIds: string[] }): Promise<void> {
  if (p.stepIds.length === 0) return;
  await sql`
    with q as (
      insert into queue (run_id, app_id, function_id, target_step_id)
      select ${p.runId}, ${p.appId}, ${p.functionId}, s from unnest(${p.stepIds}::text[]) s
      where not exists (select 1 from timers t where t.run_id = ${p.runId} and t.kind = 'retry' and t.data->>'targetStepId' = s)
        and not exists (select 1 from steps st where st.run_id = ${p.runId} and st.step_id = s)
      on conflict do nothing
      returning id
    ), m as (update runs set plan_mode = true where id = ${p.runId} and not plan_mode returning id)
    select (select count(*) from m), (select count(*) from (select pg_notify(${channels.queue}, ${p.appId + "/" + p.functionId}) from q) z)`;
}

/** A sleep timer for a step; a replay reporting the same sleep again creates nothing. */
export async function timerSleep(sql: Sql, p: { runId: string; stepId: string; userId: string; name: string; dueAtMs: number }): Promise<void> {
  await sql`
    with t as (
      insert into timers (run_id, kind, step_id, due_at, data)
      values (${p.runId}, 'sleep', ${p.stepId}, ${new Date(p.dueAtMs).toISOString()}::timestamptz,
        ${JSON.stringify({ userId: p.userId, name: p.name })}::jsonb)
      on conflict do nothing
      returning id
    )
    select count(*), pg_notify(${channels.timers}, ${String(p.dueAtMs)}) from t`;
}

export type { StepInsert };

/** Memoizes steps resolved while handling a result (under a held lease); returns those stored now. */
export async function stepsInsert(
  sql: Sql,
  runId: string,
  steps: StepInsert[],
  leaseMs: number,
): Promise<{ stored: string[]; stepCount: number; eventSeqFloor: number }> {
  if (steps.length === 0) return { stored: [], stepCount: 0, eventSeqFloor: 0 };
  const payload = steps.map((s, n) => ({ n, ...s }));
  const rows = await sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(n int, "stepId" text, "userId" text, name text, status text, output text, error jsonb)
    ), s as (
      insert into steps (run_id, step_id, user_id, name, status, output, error)
      select ${runId}, "stepId", "userId", name, status, output, error from x order by n
      on conflict do nothing
      returning step_id
    ), r as (
      update runs set step_count = step_count + (select count(*) from s), updated_at = now() where id = ${runId} returning step_count, watch_steps
    ), q as (
      update queue set lease_expires_at = now() + ${leaseMs} * interval '1 millisecond' where run_id = ${runId} and target_step_id = '' returning id
    )
    select (select array_agg(step_id) from s) as stored, (select step_count from r) as step_count,
      (select case when is_called then last_value else 0 end from events_seq_seq) as event_seq,
      (select count(*) from q) as touched,
      case when exists (select 1 from s) and (select watch_steps from r) then pg_notify(${channels.runs}, ${stepNotice(runId)}) end as notified`;
  return { stored: (rows[0]?.stored as string[] | null) ?? [], stepCount: Number(rows[0]?.step_count ?? 0), eventSeqFloor: Number(rows[0]?.event_seq ?? 0) };
}

/**
 * Parks a run whose position is waiting on something (timers, waits, targeted steps): drops
 * the discovery item so it holds no worker, and records why it waits. If something resolved
 * while the item was leased (dirty), the item is handed back instead, so discovery runs again.
 */
export async function runPark(sql: Sql, p: { runId: string; leaseId: string; status: RunStatusName }): Promise<void> {
  await sql`
    with d as (delete from queue where run_id = ${p.runId} and lease_id = ${p.leaseId} and not dirty returning run_id),
    k as (
      update queue set dirty = false, lease_expires_at = null, lease_owner = null
      where run_id = ${p.runId} and lease_id = ${p.leaseId} and dirty
      returning app_id || '/' || function_id as k
    ),
    r as (update runs set status = ${p.status}, updated_at = now() where id in (select run_id from d) and status not in ('completed', 'failed', 'cancelled') returning id)
    select (select count(*) from r), (select count(*) from (select pg_notify(${channels.queue}, k) from k) z), pg_notify(${channels.runs}, ${p.runId})`;
}

/**
 * The common case of parking, in one statement: a run's only op is a sleep. Under the lease it
 * creates the timer (a replay changes nothing) and parks the run like runPark; a run cancelled
 * meanwhile gets its item dropped ("ended"); without the lease nothing changes ("fenced").
 */
export async function runSleep(
  sql: Sql,
  p: { runId: string; leaseId: string; stepId: string; userId: string; name: string; dueAtMs: number },
): Promise<"parked" | "fenced" | "ended"> {
  const [row] = await sql`
    with q as (
      select q.dirty, r.status not in ('completed', 'failed', 'cancelled') as live from queue q join runs r on r.id = q.run_id
      where q.run_id = ${p.runId} and q.lease_id = ${p.leaseId} and q.lease_expires_at > now() for update of q
    ), t as (
      insert into timers (run_id, kind, step_id, due_at, data)
      select ${p.runId}, 'sleep', ${p.stepId}, ${new Date(p.dueAtMs).toISOString()}::timestamptz,
        ${JSON.stringify({ userId: p.userId, name: p.name })}::jsonb
      from q where live
      on conflict do nothing
      returning id
    ), d as (
      delete from queue where run_id = ${p.runId} and lease_id = ${p.leaseId}
        and exists (select 1 from q where not dirty or not live)
      returning run_id
    ), k as (
      update queue set dirty = false, lease_expires_at = null, lease_owner = null
      where run_id = ${p.runId} and lease_id = ${p.leaseId} and exists (select 1 from q where dirty and live)
      returning app_id || '/' || function_id as k
    ), r as (
      update runs set status = 'sleeping', updated_at = now()
      where id = ${p.runId} and exists (select 1 from q where live) and exists (select 1 from d)
      returning id
    )
    select (select count(*) from q)::int as held, (select bool_and(live) from q) as live,
      (select count(*) from (select pg_notify(${channels.timers}, ${String(p.dueAtMs)}) from t) nt) as timer_notified,
      (select count(*) from (select pg_notify(${channels.queue}, k) from k) nk) as queue_notified,
      (select count(*) from (select pg_notify(${channels.runs}, id::text) from r) nr) as run_notified`;
  if (row.held === 0) return "fenced";
  return row.live ? "parked" : "ended";
}

/** The current version of a function, or null. */
export async function functionCurrent(
  sql: Sql,
  p: { appId: string; functionId: string },
): Promise<{ version: number; config: Record<string, unknown> } | null> {
  const [row] = await sql`select version, config from functions where app_id = ${p.appId} and function_id = ${p.functionId}`;
  return row ? { version: row.version, config: row.config } : null;
}

export interface CheckpointSave {
  runId: string;
  leaseId: string;
  leaseMs: number;
  steps: (StepInsert & { attempt: number })[];
}

export type CheckpointOutcome = { kind: "fenced" } | { kind: "stored"; stored: string[]; stepCount: number; eventSeqFloor: number; runEnded: boolean };

/**
 * Memoizes a checkpoint (steps a worker ran back to back within one request) in one statement:
 * fenced by the lease like any result, duplicates ignored, the lease renewed.
 */
export async function stepsCheckpoint(sql: Sql, p: CheckpointSave): Promise<CheckpointOutcome> {
  const payload = p.steps.map((s, n) => ({ n, ...s }));
  const [row] = await sql`
    with q as (
      select run_id from queue where run_id = ${p.runId} and lease_id = ${p.leaseId} and lease_expires_at > now() for update
    ), x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(n int, "stepId" text, "userId" text, name text, status text, output text, error jsonb, attempt int)
    ), s as (
      insert into steps (run_id, step_id, user_id, name, status, output, error, attempt)
      select ${p.runId}, "stepId", "userId", name, status, output, error, attempt from x where exists (select 1 from q) order by n
      on conflict do nothing
      returning step_id
    ), r as (
      update runs set step_count = step_count + (select count(*) from s), attempt = 0, updated_at = now()
      where id = ${p.runId} and exists (select 1 from q)
      returning step_count, status, watch_steps
    ), u as (
      update queue set attempt = 0, lease_expires_at = now() + ${p.leaseMs} * interval '1 millisecond'
      where run_id = ${p.runId} and lease_id = ${p.leaseId} and exists (select 1 from q)
      returning id
    )
    select (select count(*) from q)::int as leased, (select array_agg(step_id) from s) as stored,
      (select step_count from r) as step_count, (select status from r) as run_status, (select count(*) from u) as renewed,
      (select case when is_called then last_value else 0 end from events_seq_seq) as event_seq,
      case when exists (select 1 from s) and (select watch_steps from r) then pg_notify(${channels.runs}, ${stepNotice(p.runId)}) end as notified`;
  if (row.leased === 0) return { kind: "fenced" };
  return {
    kind: "stored",
    stored: (row.stored as string[] | null) ?? [],
    stepCount: Number(row.step_count),
    eventSeqFloor: Number(row.event_seq),
    runEnded: row.run_status === "cancelled",
  };
}
