import { channels } from "../notify.js";
import type { EventRow, Sql } from "../types.js";
import { toEventRow } from "./rows.js";

/** How many advisory locks stand for all event names: a call takes at most this many, however many names it carries. */
export const WAIT_LOCK_SLOTS = 64;
/** First key of the two-key advisory locks Tenax takes ("TX" + 1), so they cannot collide with an application's. */
const WAIT_LOCK_SPACE = 0x54580001;

/** The lock slot of an event name (FNV-1a): the same in every process. */
export function waitLockSlot(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % WAIT_LOCK_SLOTS;
}

/**
 * Waits and incoming events of one name are serialized through an advisory lock: ingest takes it
 * shared (many ingests at once), wait creation exclusive. So an event is either committed before
 * the wait's creator scans for it, or its ingest sees the committed wait: none is missed. Names
 * share WAIT_LOCK_SLOTS locks, so a call carrying thousands of names cannot fill Postgres's lock
 * table (`out of shared memory`); two names in one slot only make a wait's creation wait for the
 * other name's ingests too.
 */
export async function waitNamesLock(sql: Sql, names: string[], mode: "shared" | "exclusive"): Promise<void> {
  const slots = [...new Set(names.map(waitLockSlot))].sort((a, b) => a - b); // a fixed order avoids deadlocks
  if (slots.length === 0) return;
  if (mode === "shared") await sql`select pg_advisory_xact_lock_shared(${WAIT_LOCK_SPACE}::int, s) from unnest(${slots}::int[]) s`;
  else await sql`select pg_advisory_xact_lock(${WAIT_LOCK_SPACE}::int, s) from unnest(${slots}::int[]) s`;
}

/** Events of a name received after a sequence, in receive order. */
export async function eventsAfter(sql: Sql, name: string, afterSeq: number, limit = 1000): Promise<EventRow[]> {
  const rows = await sql`select * from events where name = ${name} and seq > ${afterSeq} order by seq limit ${limit}`;
  return rows.map(toEventRow);
}

export interface WaitCreate {
  runId: string;
  stepId: string;
  userId: string;
  name: string;
  kind: "event" | "invoke";
  eventName?: string;
  expression?: string;
  match?: string;
  triggerEvent?: Record<string, unknown> | null;
  minSeq?: number;
  childRunId?: string | null;
  timeoutAtMs?: number | null;
  /** Lookup key (listenerKey in @tenax/match): "" (default) = tried against every event of its name. */
  keyPath?: string;
  /** Null with a key path: nothing can match. */
  matchKey?: string | null;
}

/** Opens a wait and its timeout timer; a replay reporting the same wait again changes nothing. */
export async function waitCreate(sql: Sql, w: WaitCreate): Promise<boolean> {
  const timeoutAt = w.timeoutAtMs ? new Date(w.timeoutAtMs).toISOString() : null;
  const [row] = await sql`
    with w as (
      insert into waits (run_id, step_id, user_id, name, kind, event_name, expression, match, trigger_event, min_seq, child_run_id, timeout_at, key_path, match_key)
      values (${w.runId}, ${w.stepId}, ${w.userId}, ${w.name}, ${w.kind}, ${w.eventName ?? ""}, ${w.expression ?? ""}, ${w.match ?? ""},
        ${w.triggerEvent ? JSON.stringify(w.triggerEvent) : null}::jsonb, ${w.minSeq ?? 0}, ${w.childRunId ?? null}::uuid, ${timeoutAt}::timestamptz,
        ${w.keyPath ?? ""}, ${w.matchKey ?? null})
      on conflict do nothing
      returning id, timeout_at, event_name, key_path
    ), p as (
      insert into match_paths (event_name, key_path) select event_name, key_path from w where key_path <> ''
      on conflict do nothing
    ), t as (
      insert into timers (run_id, kind, step_id, due_at, data)
      select ${w.runId}, ${w.kind === "event" ? "wait_timeout" : "invoke_timeout"}, ${w.stepId}, timeout_at, jsonb_build_object('waitId', id)
      from w where timeout_at is not null
      returning due_at
    )
    select (select count(*) from w)::int as created,
      (select count(*) from (select pg_notify(${channels.timers}, (extract(epoch from due_at) * 1000)::bigint::text) from t) n) as timers`;
  return row.created === 1;
}

export interface OpenWait {
  id: number;
  runId: string;
  stepId: string;
  userId: string;
  name: string;
  eventName: string;
  expression: string;
  match: string;
  triggerEvent: Record<string, unknown> | null;
  minSeq: number;
}

/** A (name, key path, key) a new event has: the keyed listeners it can match. */
export interface ListenerProbe {
  eventName: string;
  keyPath: string;
  matchKey: string;
}

/** Open event waits without a key for the given event names (tried against every event), oldest first. */
export async function waitsForEvents(sql: Sql, names: string[]): Promise<OpenWait[]> {
  if (names.length === 0) return [];
  const rows = await sql`select * from waits where kind = 'event' and event_name = any(${names}::text[]) and key_path = '' order by id`;
  return rows.map(toOpenWait);
}

/** Open keyed event waits with one of these keys (an index lookup each), oldest first. */
export async function waitsForKeys(sql: Sql, probes: ListenerProbe[]): Promise<OpenWait[]> {
  if (probes.length === 0) return [];
  const rows = await sql`
    select w.* from unnest(${probes.map((p) => p.eventName)}::text[], ${probes.map((p) => p.keyPath)}::text[], ${probes.map((p) => p.matchKey)}::text[])
      as k(event_name, key_path, match_key)
    join waits w on w.event_name = k.event_name and w.key_path = k.key_path and w.match_key = k.match_key and w.kind = 'event'
    order by w.id`;
  return rows.map(toOpenWait);
}

/** How many open waits of an event name have no key but an expression, counting up to `limit`. */
export async function unkeyedWaitCount(sql: Sql, eventName: string, limit: number): Promise<number> {
  const [row] = await sql`
    select count(*)::int as n from (
      select 1 from waits where kind = 'event' and event_name = ${eventName} and key_path = '' and expression <> '' limit ${limit}
    ) x`;
  return row!.n as number;
}

/** The key paths listeners of these event names use. */
export async function matchPathsFor(sql: Sql, names: string[]): Promise<{ eventName: string; keyPath: string }[]> {
  if (names.length === 0) return [];
  const rows = await sql`select event_name, key_path from match_paths where event_name = any(${names}::text[])`;
  return rows.map((r) => ({ eventName: r.event_name, keyPath: r.key_path }));
}

function toOpenWait(r: Record<string, any>): OpenWait {
  return {
    id: Number(r.id),
    runId: r.run_id,
    stepId: r.step_id,
    userId: r.user_id,
    name: r.name,
    eventName: r.event_name,
    expression: r.expression,
    match: r.match,
    triggerEvent: r.trigger_event,
    minSeq: Number(r.min_seq),
  };
}

/** Consumes a wait; false when another process consumed it first. Drops its timeout timer. */
export async function waitConsume(sql: Sql, waitId: number): Promise<boolean> {
  const [row] = await sql`
    with w as (delete from waits where id = ${waitId} returning id),
    t as (delete from timers where kind in ('wait_timeout', 'invoke_timeout') and data->>'waitId' = ${String(waitId)} and exists (select 1 from w) returning id)
    select (select count(*) from w)::int as consumed, (select count(*) from t) as timers`;
  return row.consumed === 1;
}

/** Whether a step of a run is already waiting (a replay re-reporting a pending wait or invoke). */
export async function waitExists(sql: Sql, runId: string, stepId: string): Promise<boolean> {
  const rows = await sql`select 1 from waits where run_id = ${runId} and step_id = ${stepId}`;
  return rows.length > 0;
}
