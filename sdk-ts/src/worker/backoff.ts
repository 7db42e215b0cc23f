export interface BackoffOptions {
  /** First delay in ms. Default 100. */
  initial?: number;
  /** Largest delay in ms. Default 5000. */
  max?: number;
}

export interface Backoff {
  /** The next delay in ms (doubling up to max, with jitter). */
  next(): number;
  reset(): void;
}

/** Exponential backoff with jitter, so a fleet of workers doesn't reconnect in lockstep. */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = Math.max(1, options.initial ?? 100);
  const max = Math.max(initial, options.max ?? 5000);
  let base = initial;
  return {
    next() {
      const delay = base / 2 + Math.random() * (base / 2);
      base = Math.min(max, base * 2);
      return Math.round(delay);
    },
    reset() {
      base = initial;
    },
  };
}
