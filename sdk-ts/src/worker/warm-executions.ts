import type { ExecuteRequest } from "@tenax/proto";
import type { Session } from "./session.js";
import { isWarmContinuation, type SuspendedExecution } from "./warm-match.js";

export interface WarmExecutionsOptions {
  /** Most executions held; keeping one more evicts the oldest. */
  capacity: number;
  /** Longest time one is held; also at most the session's lease_ms. Default 30 s. */
  maxIdleMs?: number;
}

/**
 * Suspended executions (see SuspendedExecution), at most one per run, so the
 * next request of a run can resume its handler instead of replaying it.
 * Evicting only drops references: the paused handler and its pending step
 * promise become garbage. Nothing here runs user code.
 */
export interface WarmExecutions {
  /** Holds the run's execution in place of any held before. */
  keep(suspended: SuspendedExecution): void;
  /** Removes the run's execution, returning it when `request` is its exact continuation. */
  take(session: Session, request: ExecuteRequest): SuspendedExecution | undefined;
  /** Drops every execution (the worker drains: the executor hands runs back instead of continuing). */
  clear(): void;
  /** Executions held. */
  size(): number;
}

const MAX_IDLE_MS = 30_000;

interface Held {
  suspended: SuspendedExecution;
  timer: NodeJS.Timeout;
}

export function createWarmExecutions(options: WarmExecutionsOptions): WarmExecutions {
  const capacity = Math.max(1, options.capacity);
  const maxIdleMs = options.maxIdleMs ?? MAX_IDLE_MS;
  const runs = new Map<string, Held>();
  // Sessions whose end already evicts their executions: one listener per stream, not per run.
  const watched = new WeakSet<Session>();

  const drop = (runId: string): Held | undefined => {
    const held = runs.get(runId);
    if (!held) return undefined;
    clearTimeout(held.timer);
    runs.delete(runId);
    return held;
  };

  const evictSession = (session: Session) => {
    for (const [runId, held] of runs) if (held.suspended.session === session) drop(runId);
  };

  return {
    keep(suspended) {
      const { session, request } = suspended;
      if (!session.isOpen()) return;
      drop(request.runId);
      if (!watched.has(session)) {
        watched.add(session);
        void session.ended.then(() => evictSession(session));
      }
      // The executor renews the lease when it stores the step: past lease_ms the run is
      // redelivered under a new lease, so holding it longer can't help.
      const idleMs = Math.min(maxIdleMs, session.settings()?.leaseMs ?? maxIdleMs);
      const timer = setTimeout(() => drop(request.runId), idleMs);
      timer.unref();
      runs.set(request.runId, { suspended, timer });
      if (runs.size > capacity) drop(runs.keys().next().value!);
    },
    take(session, request) {
      const held = drop(request.runId);
      return held && isWarmContinuation(held.suspended, session, request) ? held.suspended : undefined;
    },
    clear() {
      for (const runId of [...runs.keys()]) drop(runId);
    },
    size: () => runs.size,
  };
}
