import { type Logger } from "@tenax/common";
import { compileExpression, listenerKey, toEventJson } from "@tenax/match";
import type { FunctionConfig } from "@tenax/proto";
import { idempotencyClaim, runsFlowSetup, runsStart, type EventRow, type RunStart, type Sql } from "@tenax/state";

/** A run about to start: which function version, for which event, under which config. */
export interface StartCandidate {
  start: RunStart;
  config: FunctionConfig;
  event: EventRow;
}

/**
 * Starts runs with their flow control decided at start and kept for their life: the
 * idempotency key (at most one run per key per 24 h, claimed atomically; an evaluation error
 * starts no run), concurrency key values, cancelOn listeners and the start timeout. Returns
 * each candidate's run id, or null where no run started.
 */
export async function startRuns(tx: Sql, candidates: StartCandidate[], logger?: Logger): Promise<(string | null)[]> {
  const ready: StartCandidate[] = [];
  const readyIndex: number[] = []; // candidate index of each ready entry
  const claims: { index: number; appId: string; functionId: string; key: string }[] = [];
  for (const [n, c] of candidates.entries()) {
    const flow = c.config;
    const ctx = { event: toEventJson(c.event) };
    if (flow.idempotency) {
      const key = evaluate(flow.idempotency, ctx);
      if (key === undefined) {
        logger?.warn("idempotency key did not evaluate; no run started", { functionId: c.start.functionId, eventId: c.event.id, expression: flow.idempotency });
        continue;
      }
      claims.push({ index: ready.length, appId: c.start.appId, functionId: c.start.functionId, key });
    }
    const concurrencyKeys = flow.concurrency.map((l) => (l.key ? (evaluate(l.key, ctx) ?? "") : ""));
    ready.push({ ...c, start: { ...c.start, concurrencyKeys } });
    readyIndex.push(n);
  }
  const won = await idempotencyClaim(tx, claims);
  const lost = new Set(claims.filter((_, i) => !won.has(i)).map((c) => c.index));
  const starting = ready.filter((_, i) => !lost.has(i));
  const startingIndex = readyIndex.filter((_, i) => !lost.has(i));
  const runIds = await runsStart(
    tx,
    starting.map((c) => c.start),
  );
  await runsFlowSetup(
    tx,
    starting.map((c, i) => ({
      runId: runIds[i]!,
      startTimeoutMs: Number(c.config.timeouts?.startMs ?? 0n),
      cancels: c.config.cancelOn.map((r) => {
        const triggerEvent = toEventJson(c.event) as unknown as Record<string, unknown>;
        const key = listenerKey({ match: r.match, expression: r.expression, triggerEvent });
        return {
          eventName: r.event,
          expression: r.expression,
          match: r.match,
          triggerEvent,
          minSeq: c.event.seq,
          timeoutMs: Number(r.timeoutMs),
          ...(key.kind === "scan" ? {} : { keyPath: key.path, matchKey: key.kind === "keyed" ? key.key : null }),
        };
      }),
    })),
  );
  const byCandidate: (string | null)[] = candidates.map(() => null);
  startingIndex.forEach((n, i) => (byCandidate[n] = runIds[i]!));
  return byCandidate;
}

/** A CEL value as a key string; undefined when it does not evaluate. */
function evaluate(expr: string, ctx: Record<string, unknown>): string | undefined {
  try {
    const v = compileExpression(expr)(ctx);
    if (v === undefined || v === null) return undefined;
    return typeof v === "string" ? v : typeof v === "bigint" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
  } catch {
    return undefined;
  }
}
