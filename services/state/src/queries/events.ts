import type { EventInput, EventRow, Sql } from "../types.js";
import { toEventRow } from "./rows.js";

export interface EventsAppendResult {
  /** Effective id per input, in input order (a duplicate gets the id it duplicates). */
  ids: string[];
  /** Newly stored events, in input order; duplicates are absent. */
  stored: EventRow[];
}

/**
 * Stores events, deduplicating producer-chosen ids within 24 h. The dedupe claim is an
 * INSERT … ON CONFLICT on the id, so two ingests racing on the same id store it once.
 */
export async function eventsAppend(sql: Sql, inputs: EventInput[]): Promise<EventsAppendResult> {
  const ids = inputs.map((e) => e.id);
  const seen = new Set<string>();
  const firstWithId: EventInput[] = [];
  for (const e of inputs) {
    if (!e.producerId || seen.has(e.id)) continue;
    seen.add(e.id);
    firstWithId.push(e);
  }
  const claimed = new Map<string, number>();
  if (firstWithId.length > 0) {
    const rows = await sql`
      insert into event_ids (id, seq)
      select x.id, nextval('events_seq_seq') from unnest(${firstWithId.map((e) => e.id)}::text[]) with ordinality as x(id, n)
      order by x.n
      on conflict (id) do update set seq = excluded.seq, created_at = now()
        where event_ids.created_at < now() - interval '24 hours'
      returning id, seq`;
    for (const r of rows) claimed.set(r.id as string, Number(r.seq));
  }
  const fresh = inputs.filter((e) => !e.producerId || (claimed.has(e.id) && firstWithId.includes(e)));
  if (fresh.length === 0) return { ids, stored: [] };
  const payload = fresh.map((e, n) => ({
    n,
    seq: e.producerId ? claimed.get(e.id) : null,
    id: e.id,
    name: e.name,
    data: e.data,
    user: e.user,
    ts: e.ts,
    v: e.v,
  }));
  const rows = await sql`
    insert into events (seq, id, name, data, "user", ts, v)
    select coalesce(x.seq, nextval('events_seq_seq')), x.id, x.name, x.data, x."user", x.ts, x.v
    from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb)
      as x(seq bigint, id text, name text, data jsonb, "user" jsonb, ts bigint, v text, n bigint)
    order by n
    returning *`;
  const stored = rows.map(toEventRow);
  const byId = new Map(stored.map((r) => [r.id, r]));
  return { ids, stored: fresh.map((e) => byId.get(e.id)!).filter(Boolean) };
}

/**
 * Claims pending system events for trigger matching (oldest first); the caller matches them
 * and calls eventsDispatched in the same transaction. SKIP LOCKED: several ingests share the work.
 */
export async function eventsPendingClaim(sql: Sql, limit: number): Promise<EventRow[]> {
  const rows = await sql`select * from events where pending order by seq limit ${limit} for update skip locked`;
  return rows.map(toEventRow);
}

/** Claims one pending system event (null when it is gone or another ingest holds it). */
export async function eventPendingClaim(sql: Sql, seq: number): Promise<EventRow | null> {
  const [row] = await sql`select * from events where seq = ${seq} and pending for update skip locked`;
  return row ? toEventRow(row) : null;
}

/** The oldest pending system events' sequence numbers, without claiming them. */
export async function eventsPendingSeqs(sql: Sql, limit: number): Promise<number[]> {
  const rows = await sql`select seq from events where pending order by seq limit ${limit}`;
  return rows.map((r) => Number(r.seq));
}

export async function eventsDispatched(sql: Sql, seqs: number[]): Promise<void> {
  if (seqs.length === 0) return;
  await sql`update events set pending = false where seq = any(${seqs}::bigint[])`;
}

/** Skips a system event whose dispatch fails on its own every time, recording why. */
export async function eventPoisoned(sql: Sql, seq: number, error: string): Promise<void> {
  await sql`update events set pending = false, dispatch_error = ${error} where seq = ${seq} and pending`;
}
