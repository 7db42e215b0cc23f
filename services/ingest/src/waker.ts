/**
 * A stream handler's pause between reads: until woken (a notification, an abort) or until the
 * safety poll interval passes. A wake while not waiting is a no-op: callers keep a dirty mark.
 */
export interface Waker {
  wake(): void;
  /** Resolves true when `pollMs` passed without a wake. */
  wait(pollMs: number): Promise<boolean>;
}

export function createWaker(): Waker {
  let wake = () => {};
  return {
    wake: () => wake(),
    wait: (pollMs) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      }),
  };
}
