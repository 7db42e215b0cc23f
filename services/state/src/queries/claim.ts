import { channels } from "../notify.js";
import type { EventRow, FunctionKey, RunRow, Sql, StepRow } from "../types.js";
import { toEventRow, toRunRow, toStepRow } from "./rows.js";

export interface QueueClaimParams {
  owner: string;
  leaseMs: number;
  functions: FunctionKey[];
  limit: number;
}

export interface ClaimedItem {
  queueId: number;
  runId: string;
  appId: string;
  functionId: string;
  attempt: number;
  targetStepId: string;
  leaseId: string;
  leaseExpiresAtMs: number;
}

/**
 * Claims runnable items: runs under way first, then new runs, each in arrival order. SKIP LOCKED lets several executors claim at once
 * without overlap; an item whose lease expired is claimable again (its old lease is fenced).
 */
export async function queueClaim(sql: Sql, p: QueueClaimParams): Promise<ClaimedItem[]> {
  if (p.functions.length === 0 || p.limit <= 0) return [];
  const rows = await sql`
    with c as (
      select q.id from queue q
      where (q.app_id, q.function_id) in (
          select * from unnest(${p.functions.map((f) => f.appId)}::text[], ${p.functions.map((f) => f.functionId)}::text[]))
        and q.available_at <= now()
        and (q.lease_expires_at is null or q.lease_expires_at < now())
      order by q.fresh, q.id
      limit ${p.limit}
      for update skip locked
    )
    update queue q set lease_id = gen_random_uuid(), lease_owner = ${p.owner},
      lease_expires_at = now() + ${p.leaseMs} * interval '1 millisecond',
      started_at = coalesce(q.started_at, now())
    from c where q.id = c.id
    returning q.id, q.run_id, q.app_id, q.function_id, q.attempt, q.target_step_id, q.lease_id, q.lease_expires_at`;
  return toClaimedItems(rows);
}

/** Claimed queue rows (as returned by the claim UPDATEs) in arrival order. */
export function toClaimedItems(rows: readonly Record<string, any>[]): ClaimedItem[] {
  return rows
    .map((r) => ({
      queueId: Number(r.id),
      runId: r.run_id,
      appId: r.app_id,
      functionId: r.function_id,
      attempt: r.attempt,
      targetStepId: r.target_step_id,
      leaseId: r.lease_id,
      leaseExpiresAtMs: new Date(r.lease_expires_at).getTime(),
    }))
    .sort((a, b) => a.queueId - b.queueId);
}

export interface ClaimContext {
  run: RunRow;
  /** Receive sequence of the newest event when the run was claimed: waits see only later events. */
  eventSeqFloor: number;
  /** The function version's config, as stored (protobuf JSON). */
  config: Record<string, unknown>;
  /** This claim started the run (the finish timeout counts from here). */
  firstStart: boolean;
  events: EventRow[];
  steps: StepRow[];
}

/**
 * Marks claimed runs running and loads what a worker needs to replay them. Runs that already
 * ended (cancelled meanwhile) are absent from the result; their queue items are dropped.
 */
export async function claimContext(sql: Sql, runIds: string[]): Promise<Map<string, ClaimContext>> {
  const out = new Map<string, ClaimContext>();
  if (runIds.length === 0) return out;
  // Sent together: one round trip. The reads do not depend on the update (ended runs are
  // filtered out below).
  const [runs, events, steps] = await Promise.all([
    sql`
      with first as (select id from runs where id = any(${runIds}::uuid[]) and started_at is null)
      update runs r set status = 'running', started_at = coalesce(r.started_at, now()), updated_at = now()
      from function_versions fv
      where r.id = any(${runIds}::uuid[]) and r.status not in ('completed', 'failed', 'cancelled')
        and fv.app_id = r.app_id and fv.function_id = r.function_id and fv.version = r.function_version
      returning r.*, fv.config as fn_config, r.id in (select id from first) as first_start,
        -- RETURNING subqueries see the row before this update: tell watchers it now runs.
        case when (select o.status from runs o where o.id = r.id) <> 'running' then pg_notify(${channels.runs}, r.id::text) end as notified,
        (select case when is_called then last_value else 0 end from events_seq_seq) as event_seq`,
    sql`select e.* from events e where e.seq in (select unnest(event_seqs) from runs where id = any(${runIds}::uuid[]))`,
    sql`select * from steps where run_id = any(${runIds}::uuid[]) order by seq`,
  ]);
  const live = runs.map((r) => r.id as string);
  const dead = runIds.filter((id) => !live.includes(id));
  if (dead.length > 0) await sql`delete from queue where run_id = any(${dead}::uuid[])`;
  if (live.length === 0) return out;
  const eventBySeq = new Map(events.map((e) => [Number(e.seq), toEventRow(e)]));
  for (const r of runs) {
    const run = toRunRow(r);
    out.set(run.id, {
      run,
      eventSeqFloor: Number(r.event_seq),
      config: r.fn_config,
      firstStart: r.first_start === true,
      events: run.eventSeqs.map((s) => eventBySeq.get(s)!).filter(Boolean),
      steps: [],
    });
  }
  for (const s of steps) out.get(s.run_id as string)?.steps.push(toStepRow(s));
  return out;
}
