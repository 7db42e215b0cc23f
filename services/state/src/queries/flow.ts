import type { Sql } from "../types.js";
import type { ListenerProbe } from "./waits.js";
import { timersAfter } from "./timers.js";

export interface IdempotencyClaim {
  appId: string;
  functionId: string;
  key: string;
}

/**
 * Claims consumer-side idempotency keys for 24 h; returns the indexes of the claims that were
 * new. The claim is an INSERT … ON CONFLICT, so concurrent sends with one key start one run.
 */
export async function idempotencyClaim(sql: Sql, claims: IdempotencyClaim[]): Promise<Set<number>> {
  if (claims.length === 0) return new Set();
  const id = (c: IdempotencyClaim) => `${c.appId}\u0000${c.functionId}\u0000${c.key}`;
  // One row per key: ON CONFLICT cannot touch a row twice in one statement.
  const unique = [...new Map(claims.map((c) => [id(c), c])).values()];
  const payload = unique.map((c, n) => ({ n, app_id: c.appId, function_id: c.functionId, key: c.key }));
  const rows = await sql`
    insert into idempotency_keys (app_id, function_id, key)
    select app_id, function_id, key from jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) as x(n int, app_id text, function_id text, key text)
    order by n
    on conflict (app_id, function_id, key) do update set created_at = now()
      where idempotency_keys.created_at < now() - interval '24 hours'
    returning app_id, function_id, key`;
  const won = new Set(rows.map((r) => id({ appId: r.app_id, functionId: r.function_id, key: r.key })));
  const out = new Set<number>();
  claims.forEach((c, i) => {
    if (won.delete(id(c))) out.add(i); // a key repeated within one batch wins once
  });
  return out;
}

export interface RunFlowSetup {
  runId: string;
  cancels: {
    eventName: string;
    expression: string;
    match: string;
    triggerEvent: Record<string, unknown>;
    minSeq: number;
    timeoutMs: number;
    /** Lookup key, as for waits (WaitCreate). */
    keyPath?: string;
    matchKey?: string | null;
  }[];
  /** Cancel the run if it has not started within this many ms (0 = none). */
  startTimeoutMs: number;
}

/** Registers cancelOn listeners and the start timeout of newly created runs. */
export async function runsFlowSetup(sql: Sql, setups: RunFlowSetup[]): Promise<void> {
  const cancels = setups.flatMap((s) =>
    s.cancels.map((c) => ({
      run_id: s.runId,
      event_name: c.eventName,
      expression: c.expression,
      match: c.match,
      trigger_event: c.triggerEvent,
      min_seq: c.minSeq,
      timeout_ms: c.timeoutMs,
      key_path: c.keyPath ?? "",
      match_key: c.matchKey ?? null,
    })),
  );
  if (cancels.length > 0) {
    await sql`
      with c as (
        insert into cancels (run_id, event_name, expression, match, trigger_event, min_seq, expires_at, key_path, match_key)
        select run_id, event_name, expression, match, trigger_event, min_seq,
          case when timeout_ms > 0 then now() + timeout_ms * interval '1 millisecond' end, key_path, match_key
        from jsonb_to_recordset(${JSON.stringify(cancels)}::jsonb)
          as x(run_id uuid, event_name text, expression text, match text, trigger_event jsonb, min_seq bigint, timeout_ms bigint,
            key_path text, match_key text)
        returning event_name, key_path
      )
      insert into match_paths (event_name, key_path) select distinct event_name, key_path from c where key_path <> ''
      on conflict do nothing`;
  }
  await timersAfter(
    sql,
    "start_timeout",
    setups.filter((s) => s.startTimeoutMs > 0).map((s) => ({ runId: s.runId, ms: s.startTimeoutMs })),
  );
}

export interface OpenCancel {
  id: number;
  runId: string;
  eventName: string;
  expression: string;
  match: string;
  triggerEvent: Record<string, unknown> | null;
  minSeq: number;
}

/** Live cancelOn listeners without a key for the given event names (tried against every event). */
export async function cancelsForEvents(sql: Sql, names: string[]): Promise<OpenCancel[]> {
  if (names.length === 0) return [];
  const rows = await sql`
    select * from cancels where event_name = any(${names}::text[]) and key_path = '' and (expires_at is null or expires_at > now()) order by id`;
  return rows.map(toOpenCancel);
}

/** Live keyed cancelOn listeners with one of these keys (an index lookup each). */
export async function cancelsForKeys(sql: Sql, probes: ListenerProbe[]): Promise<OpenCancel[]> {
  if (probes.length === 0) return [];
  const rows = await sql`
    select c.* from unnest(${probes.map((p) => p.eventName)}::text[], ${probes.map((p) => p.keyPath)}::text[], ${probes.map((p) => p.matchKey)}::text[])
      as k(event_name, key_path, match_key)
    join cancels c on c.event_name = k.event_name and c.key_path = k.key_path and c.match_key = k.match_key
    where c.expires_at is null or c.expires_at > now()
    order by c.id`;
  return rows.map(toOpenCancel);
}

function toOpenCancel(r: Record<string, any>): OpenCancel {
  return {
    id: Number(r.id),
    runId: r.run_id,
    eventName: r.event_name,
    expression: r.expression,
    match: r.match,
    triggerEvent: r.trigger_event,
    minSeq: Number(r.min_seq),
  };
}
