import { lifecycleEventNames, systemEvents } from "@tenax/proto";
import { channels, stepNotice, stepNoticeSuffix } from "../notify.js";
import { jsonbSafeText } from "../storable.js";
import type { Sql, StepInsert } from "../types.js";

/** A step result to store under the run's lease. */
export interface StepSaveParams extends StepInsert {
  runId: string;
  leaseId: string;
  attempt: number;
  startedAtMs: number | null;
  /** The lease is renewed for this long, so a run of many quick steps never outlives it. */
  leaseMs: number;
}

export type SaveOutcome =
  /** Stored now. */
  | { kind: "stored"; seq: number; leaseExpiresAtMs: number; eventSeqFloor: number; stepCount: number; runEnded: boolean }
  /**
   * Already stored earlier: a resent result, or one whose first commit succeeded but whose
   * reply was lost. Nothing was written, but the lease was renewed: the caller serves the
   * stored step from the memo (`stepCount` says the memo grew) and carries on.
   */
  | { kind: "duplicate"; leaseExpiresAtMs: number; stepCount: number }
  /** The lease is not held: the result is fenced off. */
  | { kind: "fenced" };

/**
 * Memoizes step results of several runs in a single statement (one commit): per run it checks
 * the lease, inserts the step (the primary key ignores duplicates), bumps the run, renews the
 * lease and, for runs streamed step by step, notifies. Outcomes are in input order. A run may
 * appear once per call (a run has one discovery request at a time).
 */
export async function stepsSave(sql: Sql, saves: StepSaveParams[]): Promise<SaveOutcome[]> {
  if (saves.length === 0) return [];
  const payload = saves.map((p, n) => ({
    n,
    run_id: p.runId,
    lease_id: p.leaseId,
    step_id: p.stepId,
    user_id: p.userId,
    name: p.name,
    status: p.status,
    output: p.output,
    error: p.error,
    attempt: p.attempt,
    started_at: p.startedAtMs === null ? null : new Date(p.startedAtMs).toISOString(),
    lease_ms: p.leaseMs,
  }));
  // Every table is reached through `ids` (an indexable = any(...)), so the plan stays index
  // lookups whatever row count the planner guesses for the recordset.
  const ids = saves.map((p) => p.runId);
  const rows = await sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as x(n int, run_id uuid, lease_id uuid, step_id text,
        user_id text, name text, status text, output text, error jsonb, attempt int, started_at timestamptz, lease_ms int)
    ), q as (
      select queue.run_id from queue join x on queue.run_id = x.run_id and queue.lease_id = x.lease_id
      where queue.run_id = any(${ids}::uuid[]) and queue.lease_expires_at > now()
      for update of queue
    ), s as (
      insert into steps (run_id, step_id, user_id, name, status, output, error, attempt, started_at)
      select x.run_id, x.step_id, x.user_id, x.name, x.status, x.output, x.error, x.attempt, x.started_at
      from x join q using (run_id)
      order by x.n
      on conflict do nothing
      returning run_id, seq
    ), r as (
      update runs set step_count = step_count + 1, attempt = 0, updated_at = now()
      where id = any(${ids}::uuid[]) and id in (select run_id from s)
      returning id, step_count, watch_steps
    ), u as (
      update queue set attempt = 0, target_step_id = '', lease_expires_at = now() + x.lease_ms * interval '1 millisecond'
      from x where queue.run_id = any(${ids}::uuid[]) and queue.run_id = x.run_id and queue.lease_id = x.lease_id
        and x.run_id in (select run_id from q)
      returning queue.run_id, queue.lease_expires_at
    ), notices as (
      select pg_notify(${channels.runs}, r.id::text || ${stepNoticeSuffix}) from r where r.watch_steps
    )
    select x.n, q.run_id is not null as leased, s.seq, (select status from runs where id = x.run_id) as run_status,
      coalesce(r.step_count, (select step_count from runs where id = x.run_id)) as step_count, u.lease_expires_at,
      (select case when is_called then last_value else 0 end from events_seq_seq) as event_seq,
      (select count(*) from notices) as notified
    from x left join q using (run_id) left join s using (run_id) left join r on r.id = x.run_id
      left join u on u.run_id = x.run_id
    order by x.n`;
  return rows.map((row): SaveOutcome => {
    if (!row.leased) return { kind: "fenced" };
    if (row.seq === null) return { kind: "duplicate", leaseExpiresAtMs: new Date(row.lease_expires_at).getTime(), stepCount: Number(row.step_count) };
    return {
      kind: "stored",
      seq: Number(row.seq),
      leaseExpiresAtMs: new Date(row.lease_expires_at).getTime(),
      eventSeqFloor: Number(row.event_seq),
      stepCount: Number(row.step_count),
      runEnded: row.run_status === "cancelled",
    };
  });
}

export interface RunFinishParams {
  runId: string;
  leaseId: string;
  status: "completed" | "failed";
  output: string | null;
  error: Record<string, unknown> | null;
  /** What a parent awaiting this run via step.invoke gets as its step error when this run failed. */
  parentError: Record<string, unknown> | null;
}

/**
 * Ends runs under their leases, several in one statement (one commit): stores each output or
 * error and drops the run's queue item. A parent run waiting on one of them (step.invoke) is
 * resolved in the same statement: its step gets the output, or `parentError` when the child
 * failed, and it is queued again. Returns, in input order, whether each run was ended here.
 * A run may appear once per call.
 */
export async function runsFinish(sql: Sql, finishes: RunFinishParams[]): Promise<boolean[]> {
  if (finishes.length === 0) return [];
  const payload = finishes.map((p, n) => ({
    n,
    run_id: p.runId,
    lease_id: p.leaseId,
    status: p.status,
    output: p.output,
    // The run keeps its output exactly (text); the lifecycle event's copy must fit jsonb.
    event_result: p.output === null ? null : jsonbSafeText(p.output),
    error: p.error,
    parent_error: p.parentError,
  }));
  // Tables are reached through `ids` (indexable) whatever the planner guesses for the recordset.
  const ids = finishes.map((p) => p.runId);
  const rows = await sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(n int, run_id uuid, lease_id uuid, status text, output text, event_result text, error jsonb, parent_error jsonb)
    ), q as (
      delete from queue using x
      where queue.run_id = any(${ids}::uuid[]) and queue.run_id = x.run_id and queue.lease_id = x.lease_id
        and queue.lease_expires_at > now()
      returning queue.run_id
    ), r as (
      update runs set status = x.status::run_status, output = x.output, error = x.error, ended_at = now(), updated_at = now()
      from x
      where runs.id = any(${ids}::uuid[]) and runs.id = x.run_id and runs.id in (select run_id from q)
        and runs.status not in ('completed', 'failed', 'cancelled')
      returning runs.id, runs.app_id, runs.function_id, runs.event_seqs, x.status, x.output, x.event_result, x.error, x.parent_error
    ), sys as (
      -- tenax/function.finished (and .failed) in the same commit; ingest matches them later.
      -- Runs triggered by these lifecycle events emit none, so handlers cannot loop.
      insert into events (id, name, data, ts, pending)
      select gen_random_uuid()::text, n.name,
        jsonb_build_object('function_id', r.function_id, 'app_id', r.app_id, 'run_id', r.id,
          'event', jsonb_build_object('id', e.id, 'name', e.name, 'data', e.data, 'user', coalesce(e."user", '{}'::jsonb), 'ts', e.ts, 'v', e.v))
        || case when r.status = 'completed' then jsonb_build_object('result', r.event_result::jsonb)
                else jsonb_build_object('error', r.error) end,
        (extract(epoch from now()) * 1000)::bigint, true
      from r join events e on e.seq = r.event_seqs[1]
      cross join (values (${systemEvents.functionFinished}::text), (${systemEvents.functionFailed}::text)) n(name)
      where (n.name = ${systemEvents.functionFinished} or r.status = 'failed')
        and e.name <> all(${lifecycleEventNames as string[]}::text[])
      order by r.id, n.name desc
      returning seq
    ), own_timers as (
      -- Whatever a run still had pending (a losing Promise.race branch) ends with it.
      delete from timers where run_id = any(${ids}::uuid[]) and run_id in (select id from r) returning 1
    ), own_waits as (
      delete from waits where run_id = any(${ids}::uuid[]) and run_id in (select id from r) returning 1
    ), own_cancels as (
      delete from cancels where run_id = any(${ids}::uuid[]) and run_id in (select id from r) returning 1
    ), w as (
      delete from waits where kind = 'invoke' and child_run_id = any(${ids}::uuid[]) and child_run_id in (select id from r)
      returning id, run_id, step_id, user_id, name, child_run_id
    ), wt as (
      delete from timers where kind = 'invoke_timeout' and data->>'waitId' in (select id::text from w) returning id
    ), ps as (
      insert into steps (run_id, step_id, user_id, name, status, output, error)
      select w.run_id, w.step_id, w.user_id, w.name, r.status, r.output, r.parent_error from w join r on r.id = w.child_run_id
      on conflict do nothing
      returning run_id
    ), pq as (
      insert into queue (run_id, app_id, function_id)
      select pr.id, pr.app_id, pr.function_id from runs pr
      where pr.id in (select run_id from ps) and pr.status not in ('completed', 'failed', 'cancelled')
      on conflict (run_id, target_step_id) do update set dirty = true
      returning run_id, app_id || '/' || function_id as k
    ), pu as (
      update runs set step_count = step_count + 1, updated_at = now(),
        status = case when status = 'waiting' then 'queued' else status end
      where id in (select run_id from ps)
      returning id
    ), notices as (
      select pg_notify(${channels.runs}, id::text) from r
      union all select pg_notify(${channels.queue}, k) from pq
      union all select pg_notify(${channels.runs}, run_id::text) from pq
      union all select pg_notify(${channels.events}, '') where exists (select 1 from sys)
    )
    select x.n, exists (select 1 from r where r.id = x.run_id) as ended,
      (select count(*) from wt) + (select count(*) from pu) + (select count(*) from own_timers)
        + (select count(*) from own_waits) + (select count(*) from own_cancels) as touched,
      (select count(*) from notices) as notified
    from x order by x.n`;
  return rows.map((row) => row.ended === true);
}

/**
 * Memoizes the result of a step that ran as its own queue item (a parallel step): stores it,
 * drops the item, and queues a discovery item for the run (coalesced with any already queued).
 */
export async function stepSaveTargeted(sql: Sql, p: Omit<StepSaveParams, "leaseMs">): Promise<SaveOutcome> {
  const [row] = await sql`
    with q as (
      delete from queue where run_id = ${p.runId} and lease_id = ${p.leaseId} and lease_expires_at > now()
      returning run_id, app_id, function_id
    ), s as (
      insert into steps (run_id, step_id, user_id, name, status, output, error, attempt, started_at)
      select ${p.runId}, ${p.stepId}, ${p.userId}, ${p.name}, ${p.status}, ${p.output},
        ${p.error === null ? null : JSON.stringify(p.error)}::jsonb, ${p.attempt},
        ${p.startedAtMs === null ? null : new Date(p.startedAtMs).toISOString()}::timestamptz
      from q
      on conflict do nothing
      returning seq
    ), d as (
      insert into queue (run_id, app_id, function_id)
      select q.run_id, q.app_id, q.function_id from q join runs r on r.id = q.run_id
      where r.status not in ('completed', 'failed', 'cancelled')
      on conflict (run_id, target_step_id) do update set dirty = true
      returning app_id || '/' || function_id as k
    ), r as (
      update runs set step_count = step_count + (select count(*) from s), updated_at = now()
      where id = ${p.runId} and exists (select 1 from q)
      returning id, watch_steps
    )
    select (select count(*) from q)::int as leased, (select seq from s) as seq, (select count(*) from r) as touched,
      (select count(*) from (select pg_notify(${channels.queue}, k) from d) z) as queued,
      case when (select watch_steps from r) then pg_notify(${channels.runs}, ${stepNotice(p.runId)}) end as notified`;
  if (row.leased === 0) return { kind: "fenced" };
  if (row.seq === null) return { kind: "duplicate", leaseExpiresAtMs: 0, stepCount: 0 };
  return { kind: "stored", seq: Number(row.seq), leaseExpiresAtMs: 0, eventSeqFloor: 0, stepCount: 0, runEnded: false };
}

export interface RunRetryParams {
  runId: string;
  leaseId: string;
  /** Attempt number the retry will run as. */
  attempt: number;
  dueAtMs: number;
  targetStepId: string;
}

/**
 * Parks a run until a retry timer fires: drops the queue item (so it holds no worker and no
 * lease) and creates the timer in the same statement. The scheduler requeues it when due.
 */
export async function runRetryLater(sql: Sql, p: RunRetryParams): Promise<boolean> {
  const [row] = await sql`
    with q as (
      delete from queue where run_id = ${p.runId} and lease_id = ${p.leaseId} and lease_expires_at > now()
      returning run_id
    ), t as (
      insert into timers (run_id, kind, due_at, data)
      select q.run_id, 'retry', to_timestamp(${p.dueAtMs / 1000}),
        ${JSON.stringify({ attempt: p.attempt, targetStepId: p.targetStepId })}::jsonb
      from q join runs r on r.id = q.run_id where r.status not in ('completed', 'failed', 'cancelled')
      returning id
    ), r as (
      update runs set status = 'sleeping', attempt = ${p.attempt}, updated_at = now()
      where id in (select run_id from q) and status not in ('completed', 'failed', 'cancelled')
      returning id
    )
    select (select count(*) from t)::int as n, (select count(*) from r) as touched,
      case when exists (select 1 from t) then pg_notify(${channels.timers}, ${String(p.dueAtMs)}) end as t_notified,
      case when exists (select 1 from t) then pg_notify(${channels.runs}, ${p.runId}) end as r_notified`;
  return row.n === 1;
}
