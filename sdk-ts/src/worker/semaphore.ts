export interface Semaphore {
  /** Resolves with a release function once a slot is free. */
  acquire(): Promise<() => void>;
}

/** Bounds how many requests run at once; waiters are served in arrival order. */
export function createSemaphore(limit: number): Semaphore {
  let available = Math.max(1, limit);
  const waiters: Array<() => void> = [];
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else available++;
  };
  return {
    acquire() {
      return new Promise((resolve) => {
        const grant = () => {
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            release();
          });
        };
        if (available > 0) {
          available--;
          grant();
        } else {
          waiters.push(grant);
        }
      });
    },
  };
}
