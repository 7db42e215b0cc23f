import type { ExecutionState } from "./execution-state.js";

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until there is something to report: the handler settled, or it found
 * new steps and then found no more for one macrotask turn (so every branch of
 * a Promise.all gets to register its step). Memo hits resolve in microtasks,
 * so a replay through memoized steps finishes within that turn.
 */
export async function waitForDecision(state: ExecutionState, handlerDone: Promise<void>, isSettled: () => boolean): Promise<void> {
  for (;;) {
    if (isSettled()) return;
    const before = state.found.length;
    if (before === 0) {
      // Nothing found yet: the handler may be doing non-step async work; wait for it.
      await Promise.race([handlerDone, state.nextDiscovery()]);
      continue;
    }
    await nextMacrotask();
    if (isSettled() || state.found.length === before) return;
  }
}
