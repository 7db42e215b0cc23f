import type { Logger } from "@tenax/common";
import { functionVersionKey, limits, readFunctionConfig, toEventJson } from "@tenax/engine";
import { claimContext, leaseRelease, queueClaim, queueClaimLimited, timersAfter, type Database, type DbClock, type FunctionKey } from "@tenax/state";
import type { ExecutorConfig } from "./config.js";
import { createInflight, dispatched, eventDataBytes, type Inflight } from "./inflight.js";
import { memoEntryFromStep, storedEventFromRow } from "./memo.js";
import { freeSlots, type WorkerSession } from "./session.js";

export interface Dispatcher {
  /** Claims and hands out work until capacity or the queue runs out. Coalesces concurrent calls. */
  pump(): void;
  /** Sends the next execute request of an in-flight run (same lease, new request id); `full` resends the current request with its whole memo. */
  send(session: WorkerSession, work: Inflight, full?: boolean): void;
  stop(): void;
}

export function createDispatcher(deps: {
  database: Database;
  config: ExecutorConfig;
  executorId: string;
  sessions: Map<string, WorkerSession>;
  logger: Logger;
  clock: DbClock;
}): Dispatcher {
  const { database, config, sessions, logger, clock } = deps;
  let running = false;
  let again = false;
  let stopped = false;

  const send = (session: WorkerSession, work: Inflight, full = false) => {
    // A continuation sends only the memo the worker lacks; memo_fetch asks for all of it again.
    const offset = dispatched(session.requests, work, full);
    const discovery = !work.targetStepId && !work.planMode;
    session.send({
      kind: {
        case: "execute",
        value: {
          requestId: work.requestId,
          leaseId: work.leaseId,
          runId: work.runId,
          appId: work.appId,
          functionId: work.functionId,
          functionVersion: work.functionVersion,
          attempt: work.attempt,
          maxAttempts: work.maxAttempts,
          // A delta's worker holds the events too: resending them costs more than a step.
          event: offset ? undefined : work.events[0],
          events: offset ? [] : work.events,
          memo: offset ? work.memo.slice(offset) : work.memo,
          memoOffset: offset,
          checkpointing: discovery ? work.checkpointing : undefined,
          targetStepId: work.targetStepId,
          // Once a run went parallel, a step found by discovery may already be queued on its
          // own; running it inline too would run it twice.
          disableImmediateExecution: work.planMode && !work.targetStepId,
          leaseExpiresAtMs: BigInt(work.leaseExpiresAtMs),
        },
      },
    });
  };

  const claimOnce = async (): Promise<boolean> => {
    const open = [...sessions.values()].filter((s) => freeSlots(s) > 0);
    if (open.length === 0) return false;
    const keys = new Map<string, FunctionKey>();
    const limited = new Map<string, FunctionKey & { limits: number[] }>();
    for (const s of open) {
      for (const f of s.functionIds) {
        const limits = s.limits.get(f);
        if (limits) limited.set(`${s.appId}/${f}`, { appId: s.appId, functionId: f, limits });
        else keys.set(`${s.appId}/${f}`, { appId: s.appId, functionId: f });
      }
    }
    const limit = Math.min(
      100,
      open.reduce((n, s) => n + freeSlots(s), 0),
    );
    const items = await queueClaim(database.sql, { owner: deps.executorId, leaseMs: config.leaseMs, functions: [...keys.values()], limit });
    // Functions with concurrency limits are claimed one by one under their limits.
    for (const f of limited.values()) {
      if (items.length >= limit) break;
      items.push(...(await queueClaimLimited(database.sql, { ...f, owner: deps.executorId, leaseMs: config.leaseMs, max: limit - items.length })));
    }
    if (items.length === 0) return false;
    const contexts = await claimContext(
      database.sql,
      items.map((i) => i.runId),
    );
    const configs = new Map(
      [...contexts].map(([runId, ctx]) => [
        runId,
        readFunctionConfig(ctx.config, functionVersionKey(ctx.run.appId, ctx.run.functionId, ctx.run.functionVersion)),
      ]),
    );
    // The finish timeout counts from the run's first start (timeouts.run / finish).
    const finish = [...contexts.values()]
      .map((ctx) => ({ runId: ctx.run.id, ms: ctx.firstStart ? Number(configs.get(ctx.run.id)!.timeouts?.runMs ?? 0n) : 0 }))
      .filter((t) => t.ms > 0);
    await timersAfter(database.sql, "finish_timeout", finish);
    const unplaced: string[] = [];
    for (const item of items) {
      const ctx = contexts.get(item.runId);
      if (!ctx) continue;
      const session = pickSession(open, item.appId, item.functionId);
      if (!session) {
        unplaced.push(item.leaseId);
        continue;
      }
      const fn = configs.get(item.runId)!;
      const retries = fn.retries ?? limits.retriesDefault;
      const work = createInflight(
        {
          leaseId: item.leaseId,
          leaseExpiresAtMs: item.leaseExpiresAtMs,
          runId: item.runId,
          appId: item.appId,
          functionId: item.functionId,
          functionVersion: ctx.run.functionVersion,
          attempt: item.attempt,
          maxAttempts: retries + 1,
          targetStepId: item.targetStepId,
          planMode: ctx.run.planMode,
          checkpointing: fn.checkpointing?.enabled ? fn.checkpointing : undefined,
          eventSeqFloor: ctx.eventSeqFloor,
          triggerEvent: ctx.events[0] ? (toEventJson(ctx.events[0]) as unknown as Record<string, unknown>) : {},
          events: ctx.events.map(storedEventFromRow),
          memo: ctx.steps.map(memoEntryFromStep),
          eventBytes: eventDataBytes(ctx.events),
        },
        clock.now(),
      );
      send(session, work);
    }
    if (unplaced.length > 0) await leaseRelease(database.sql, unplaced);
    return items.length === limit;
  };

  const pump = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await claimOnce())) {}
        } while (again && !stopped);
      } catch (err) {
        logger.warn("claim failed; retrying on next wake-up", { err });
      } finally {
        running = false;
      }
    })();
  };

  return { pump, send, stop: () => void (stopped = true) };
}

/** Least-loaded session serving the function with a free slot. */
function pickSession(open: WorkerSession[], appId: string, functionId: string): WorkerSession | undefined {
  let best: WorkerSession | undefined;
  for (const s of open) {
    if (s.appId !== appId || !s.functionIds.has(functionId) || freeSlots(s) === 0) continue;
    if (!best || freeSlots(s) > freeSlots(best)) best = s;
  }
  return best;
}
