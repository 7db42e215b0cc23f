import type { ExecuteRequest, MemoEntry, StoredEvent } from "@tenax/proto";

export interface MemoCache {
  /** The request's complete memo, or undefined when a delta can't be applied. */
  complete(request: ExecuteRequest): MemoEntry[] | undefined;
  /**
   * Continuations (memo_offset > 0) omit the triggering events: fills them in from the run's
   * previous request. False when they are missing and not held (answer with memo_fetch).
   */
  restoreEvents(request: ExecuteRequest): boolean;
  /** Remembers the run's complete memo and the events of `request` (whose memo it is). */
  remember(request: ExecuteRequest, memo: MemoEntry[]): void;
  forget(runId: string): void;
}

interface Held {
  memo: MemoEntry[];
  event: StoredEvent | undefined;
  events: StoredEvent[];
}

/**
 * Keeps the last complete memo and the events of recently executed runs so
 * memo deltas (memo_offset > 0) can be applied without a fetch. An LRU: a
 * miss just costs a memo_fetch.
 */
export function createMemoCache(maxRuns = 64): MemoCache {
  const runs = new Map<string, Held>();
  return {
    complete(request) {
      if (request.memoOffset <= 0) return request.memo;
      const held = runs.get(request.runId);
      if (!held || held.memo.length < request.memoOffset) return undefined;
      return held.memo.slice(0, request.memoOffset).concat(request.memo);
    },
    restoreEvents(request) {
      if (request.event || request.memoOffset <= 0) return true;
      const held = runs.get(request.runId);
      if (!held?.event) return false;
      request.event = held.event;
      request.events = held.events;
      return true;
    },
    remember(request, memo) {
      runs.delete(request.runId);
      runs.set(request.runId, { memo, event: request.event, events: request.events });
      if (runs.size > maxRuns) {
        const oldest = runs.keys().next().value;
        if (oldest !== undefined) runs.delete(oldest);
      }
    },
    forget(runId) {
      runs.delete(runId);
    },
  };
}
