import type { ExecuteRequest, MemoEntry } from "@tenax/proto";

export interface MemoCache {
  /** The request's complete memo, or undefined when a delta can't be applied. */
  complete(request: ExecuteRequest): MemoEntry[] | undefined;
  remember(runId: string, memo: MemoEntry[]): void;
  forget(runId: string): void;
}

/**
 * Keeps the last complete memo of recently executed runs so memo deltas
 * (memo_offset > 0) can be applied without a fetch. Small LRU: a miss just
 * costs a memo_fetch.
 */
export function createMemoCache(maxRuns = 64): MemoCache {
  const runs = new Map<string, MemoEntry[]>();
  return {
    complete(request) {
      if (request.memoOffset <= 0) return request.memo;
      const held = runs.get(request.runId);
      if (!held || held.length < request.memoOffset) return undefined;
      return held.slice(0, request.memoOffset).concat(request.memo);
    },
    remember(runId, memo) {
      runs.delete(runId);
      runs.set(runId, memo);
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
