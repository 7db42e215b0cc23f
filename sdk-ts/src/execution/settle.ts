import type { ExecutionState } from "./execution-state.js";

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until there is something to report: the handler settled, or it found
 * new steps and then, with no memo hit left to settle, found no more for one
 * macrotask turn (so every branch of a Promise.all gets to register its step,
 * and memoized steps settling in memo order get to lead to further ones).
 */
export async function waitForDecision(state: ExecutionState, handlerDone: Promise<void>, isSettled: () => boolean): Promise<void> {
  for (;;) {
    if (isSettled()) return;
    if (state.found.length === 0) {
      // Nothing found yet: the handler may be replaying memo hits or doing non-step async work; wait for it.
      await Promise.race([handlerDone, state.nextDiscovery()]);
      continue;
    }
    await Promise.race([handlerDone, state.replayIdle()]);
    if (isSettled()) return;
    const before = state.found.length;
    await nextMacrotask();
    if (isSettled()) return;
    if (state.found.length === before && !state.replayBusy()) return;
  }
}
