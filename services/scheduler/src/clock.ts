/** Time as the scheduler sees it: injectable, so the timer loop is tested without waiting. */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a handle for cancel. */
  schedule(fn: () => void, ms: number): unknown;
  cancel(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule: (fn, ms) => setTimeout(fn, ms),
  cancel: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
