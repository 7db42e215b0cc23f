import { ErrorCode, ErrorReason, lifecycleEventNames, reasonErrorJson, systemEvents } from "@tenax/proto";
import { channels } from "../notify.js";
import type { RunRow, RunStatusName, Sql, StepRow } from "../types.js";
import { transaction } from "../db.js";
import { runsResume } from "./resume.js";
import { toRunRow, toStepRow } from "./rows.js";

export interface RunStart {
  appId: string;
  functionId: string;
  functionVersion: number;
  eventIds: string[];
  eventSeqs: number[];
  /** One value per concurrency limit of the function version ("" when the limit is unkeyed). */
  concurrencyKeys?: string[];
}

/**
 * Creates runs and their first queue items in one statement, then wakes executors. Call it in
 * the same transaction that stored the triggering events, so an event never exists without its runs.
 */
export async function runsStart(sql: Sql, starts: RunStart[]): Promise<string[]> {
  if (starts.length === 0) return [];
  const payload = starts.map((s, n) => ({
    n,
    app_id: s.appId,
    function_id: s.functionId,
    function_version: s.functionVersion,
    event_ids: s.eventIds,
    event_seqs: s.eventSeqs,
    concurrency_keys: s.concurrencyKeys ?? [],
  }));
  const rows = await sql`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
        as x(app_id text, function_id text, function_version int, event_ids text[], event_seqs bigint[], concurrency_keys text[], n bigint)
    ), r as (
      insert into runs (app_id, function_id, function_version, event_ids, event_seqs, concurrency_keys)
      select app_id, function_id, function_version, event_ids, event_seqs, concurrency_keys from x order by n
      returning id, app_id, function_id
    ), q as (
      insert into queue (run_id, app_id, function_id, fresh)
      select id, app_id, function_id, true from r
      returning run_id
    ), w as (
      select pg_notify(${channels.queue}, k) from (select distinct app_id || '/' || function_id as k from r) d
    )
    select r.id, (select count(*) from w) as notified from r`;
  return rows.map((r) => r.id as string);
}

export async function runGet(sql: Sql, runId: string): Promise<RunRow | null> {
  if (!isUuid(runId)) return null;
  const [row] = await sql`select * from runs where id = ${runId}`;
  return row ? toRunRow(row) : null;
}

/**
 * Marks a run as watched step by step, so storing a step notifies (see channels.runs). Set
 * before the watcher's first read: a step stored after that read notifies, one before is read.
 */
export async function runWatchSteps(sql: Sql, runId: string): Promise<void> {
  if (!isUuid(runId)) return;
  await sql`update runs set watch_steps = true where id = ${runId} and not watch_steps`;
}

/** The ids, in order, that are not runs. */
export async function runsMissing(sql: Sql, runIds: string[]): Promise<string[]> {
  const ids = runIds.filter(isUuid);
  const rows = ids.length ? await sql`select id from runs where id = any(${ids}::uuid[])` : [];
  const found = new Set(rows.map((r) => r.id as string));
  return runIds.filter((id) => !found.has(id));
}

/** Runs by id (ids that are not runs are absent). */
export async function runsGetMany(sql: Sql, runIds: string[]): Promise<RunRow[]> {
  const ids = runIds.filter(isUuid);
  if (ids.length === 0) return [];
  const rows = await sql`select * from runs where id = any(${ids}::uuid[])`;
  return rows.map(toRunRow);
}

/** A run's memo in stored order, optionally only entries stored after `afterSeq`. */
export async function runSteps(sql: Sql, runId: string, afterSeq = 0): Promise<StepRow[]> {
  const rows = await sql`select * from steps where run_id = ${runId} and seq > ${afterSeq} order by seq`;
  return rows.map(toStepRow);
}

export interface RunsListParams {
  appId?: string;
  functionId?: string;
  status?: RunStatusName;
  eventId?: string;
  limit: number;
  /** Keyset cursor: runs created before this (created_at in µs since the epoch, id). */
  before?: { createdAtUs: string; id: string };
}

/** Runs, newest first; each carries `createdAtUs` for the next page's cursor. */
export async function runsList(sql: Sql, p: RunsListParams): Promise<(RunRow & { createdAtUs: string })[]> {
  const rows = await sql`
    select *, (extract(epoch from created_at) * 1000000)::bigint::text as created_us from runs
    where true
      ${p.appId ? sql`and app_id = ${p.appId}` : sql``}
      ${p.functionId ? sql`and function_id = ${p.functionId}` : sql``}
      ${p.status ? sql`and status = ${p.status}` : sql``}
      ${p.eventId ? sql`and event_ids @> array[${p.eventId}]::text[]` : sql``}
      ${p.before ? sql`and (created_at, id) < (timestamptz 'epoch' + ${p.before.createdAtUs}::bigint * interval '1 microsecond', ${p.before.id}::uuid)` : sql``}
    order by created_at desc, id desc
    limit ${p.limit}`;
  return rows.map((r) => ({ ...toRunRow(r), createdAtUs: String(r.created_us) }));
}

/**
 * Cancels a run that has not finished: drops its queued items, timers, waits and cancelOn
 * listeners. A step in flight finishes and is stored, and nothing is scheduled after it (the
 * executor sees the run cancelled when it stores the result). A parent waiting on this run
 * (step.invoke) gets a failed step and resumes. Emits tenax/function.cancelled and .finished.
 */
export async function runCancel(sql: Sql, runId: string): Promise<RunRow | null> {
  if (!isUuid(runId)) return null;
  return transaction(sql, async (tx) => {
    const [row] = await tx`
      with r as (
        update runs set status = 'cancelled', ended_at = now(), updated_at = now()
        where id = ${runId} and status not in ('completed', 'failed', 'cancelled')
        returning *
      ), q as (
        -- A step in flight may finish and be stored; its item is dropped when it reports.
        delete from queue where run_id in (select id from r) and (lease_expires_at is null or lease_expires_at < now()) returning 1
      ),
      t as (delete from timers where run_id in (select id from r) returning 1),
      w as (delete from waits where run_id in (select id from r) returning 1),
      c as (delete from cancels where run_id in (select id from r) returning 1)
      select r.*, (select count(*) from q) + (select count(*) from t) + (select count(*) from w) + (select count(*) from c) as dropped,
        pg_notify(${channels.runs}, r.id::text) from r`;
    if (!row) return runGet(tx, runId);
    await tx`
      with sys as (
        insert into events (id, name, data, ts, pending)
        select gen_random_uuid()::text, n.name,
          jsonb_build_object('function_id', r.function_id, 'app_id', r.app_id, 'run_id', r.id,
            'event', jsonb_build_object('id', e.id, 'name', e.name, 'data', e.data, 'user', coalesce(e."user", '{}'::jsonb), 'ts', e.ts, 'v', e.v))
            || jsonb_build_object('error', jsonb_build_object('code', 'ERROR_CODE_CANCELLED', 'name', 'CancelledError', 'message', 'function cancelled')),
          (extract(epoch from now()) * 1000)::bigint, true
        from runs r join events e on e.seq = r.event_seqs[1]
        cross join (values (${systemEvents.functionCancelled}::text), (${systemEvents.functionFinished}::text)) n(name)
        where r.id = ${runId} and e.name <> all(${lifecycleEventNames as string[]}::text[])
        returning seq
      )
      select count(*), pg_notify(${channels.events}, '') from sys`;
    const parents = await tx`delete from waits where kind = 'invoke' and child_run_id = ${runId} returning *`;
    await runsResume(
      tx,
      parents.map((w) => ({
        runId: w.run_id as string,
        step: {
          stepId: w.step_id as string,
          userId: w.user_id as string,
          name: w.name as string,
          status: "failed" as const,
          output: null,
          error: reasonErrorJson(ErrorCode.CANCELLED, ErrorReason.INVOKE_CANCELLED, `the invoked run ${runId} was cancelled`, "InvokeError"),
        },
      })),
    );
    return toRunRow(row);
  });
}

export function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}

export interface RunsCancelFilter {
  appId?: string;
  functionId: string;
  startedAfterMs?: number;
  startedBeforeMs?: number;
}

/** Cancels every unfinished run of a function created within a window; returns their ids. */
export async function runsCancelBulk(sql: Sql, f: RunsCancelFilter): Promise<string[]> {
  const rows = await sql`
    select id from runs
    where function_id = ${f.functionId} and status not in ('completed', 'failed', 'cancelled')
      ${f.appId ? sql`and app_id = ${f.appId}` : sql``}
      ${f.startedAfterMs ? sql`and created_at >= to_timestamp(${f.startedAfterMs / 1000})` : sql``}
      ${f.startedBeforeMs ? sql`and created_at < to_timestamp(${f.startedBeforeMs / 1000})` : sql``}
    order by created_at`;
  const ids: string[] = [];
  for (const r of rows) {
    const run = await runCancel(sql, r.id as string);
    if (run?.status === "cancelled") ids.push(run.id);
  }
  return ids;
}
