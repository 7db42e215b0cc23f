import type { Sql } from "../types.js";

// Retention: what Tenax deletes so that a busy system does not fill its disk. Each function
// deletes at most `limit` rows of its kind in one statement (SKIP LOCKED: never waits on the hot
// path's rows), oldest first; the caller repeats while a call deletes a full batch.

/** Finished runs that ended before `cutoffMs`, with their steps and anything left keyed by them. */
export async function pruneFinishedRuns(sql: Sql, cutoffMs: number, limit: number): Promise<number> {
  const [row] = await sql`
    with r as (
      delete from runs where id in (
        select id from runs where status in ('completed', 'failed', 'cancelled') and ended_at < ${new Date(cutoffMs).toISOString()}::timestamptz
        order by ended_at limit ${limit} for update skip locked)
      returning id
    ), s as (delete from steps where run_id in (select id from r) returning 1),
    q as (delete from queue where run_id in (select id from r) returning 1),
    t as (delete from timers where run_id in (select id from r) returning 1),
    w as (delete from waits where run_id in (select id from r) returning 1),
    c as (delete from cancels where run_id in (select id from r) returning 1)
    select (select count(*) from r)::int as runs, (select count(*) from s)::int as steps`;
  return row!.runs as number;
}

/**
 * Events received before `cutoffMs` that no remaining run was started by (and not waiting to be
 * dispatched), scanning from `afterSeq` in receive order. Returns how many were deleted and the
 * last sequence looked at (the next call goes on from there; events kept by a run are skipped).
 */
export async function pruneEvents(sql: Sql, cutoffMs: number, afterSeq: number, limit: number): Promise<{ deleted: number; lastSeq: number; scanned: number }> {
  const [row] = await sql`
    with candidates as (
      select seq, id from events where seq > ${afterSeq} and received_at < ${new Date(cutoffMs).toISOString()}::timestamptz order by seq limit ${limit}
    ), d as (
      delete from events e using candidates c
      where e.seq = c.seq and not e.pending and not exists (select 1 from runs r where r.event_ids @> array[c.id])
      returning e.seq
    )
    select (select count(*) from d)::int as deleted, (select count(*) from candidates)::int as scanned,
      coalesce((select max(seq) from candidates), ${afterSeq})::bigint as last_seq`;
  return { deleted: row!.deleted as number, scanned: row!.scanned as number, lastSeq: Number(row!.last_seq) };
}

/** Event-id dedupe rows and idempotency keys past their 24 h window. */
export async function pruneExpiredKeys(sql: Sql, limit: number): Promise<number> {
  const [row] = await sql`
    with e as (
      delete from event_ids where id in (
        select id from event_ids where created_at < now() - interval '24 hours' order by created_at limit ${limit} for update skip locked)
      returning 1
    ), k as (
      delete from idempotency_keys where (app_id, function_id, key) in (
        select app_id, function_id, key from idempotency_keys where created_at < now() - interval '24 hours'
        order by created_at limit ${limit} for update skip locked)
      returning 1
    )
    select greatest((select count(*) from e), (select count(*) from k))::int as n`;
  return row!.n as number;
}

/** Worker rows of connections that closed before `cutoffMs`. */
export async function pruneWorkers(sql: Sql, cutoffMs: number, limit: number): Promise<number> {
  const rows = await sql`
    delete from workers where connection_id in (
      select connection_id from workers where disconnected_at < ${new Date(cutoffMs).toISOString()}::timestamptz limit ${limit} for update skip locked)
    returning 1`;
  return rows.length;
}

/**
 * Function versions that were replaced more than an hour ago (so no transaction still starts a
 * run of them) and that no remaining run uses.
 */
export async function pruneFunctionVersions(sql: Sql, limit: number): Promise<number> {
  const rows = await sql`
    delete from function_versions v where (app_id, function_id, version) in (
      select v2.app_id, v2.function_id, v2.version from function_versions v2
      where not exists (select 1 from functions f where f.app_id = v2.app_id and f.function_id = v2.function_id and f.version = v2.version)
        and exists (select 1 from function_versions n where n.app_id = v2.app_id and n.function_id = v2.function_id
          and n.version > v2.version and n.created_at < now() - interval '1 hour')
        and not exists (select 1 from runs r where r.app_id = v2.app_id and r.function_id = v2.function_id and r.function_version = v2.version)
      limit ${limit})
    returning 1`;
  return rows.length;
}

// match_paths is not pruned: a few rows per event name and field the application's code uses, and
// deleting one races with a wait being created on it (the wait would never be found).
