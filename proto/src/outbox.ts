/**
 * The outgoing side of a stream: push without waiting, read as an async iterable (what connect
 * takes as a request stream, or a server handler yields from). Used by both ends of the worker
 * protocol instead of connect's createWritableIterable, whose write() awaits once per queued
 * message: quadratic when hundreds of runs share one stream.
 */
export interface Outbox<T> extends AsyncIterable<T> {
  /** Queues a message; false once closed (the message is dropped). */
  push(message: T): boolean;
  /** Ends the iteration after the queued messages. */
  close(): void;
}

export function createOutbox<T>(): Outbox<T> {
  let queue: T[] = [];
  let head = 0;
  let closed = false;
  // Readers waiting for a message (a consumer may call next() again before one resolved).
  let readers: ((result: IteratorResult<T>) => void)[] = [];
  const take = (): IteratorResult<T> | undefined => {
    if (head < queue.length) {
      const value = queue[head++]!;
      if (head === queue.length) {
        queue = [];
        head = 0;
      }
      return { value, done: false };
    }
    return closed ? { value: undefined, done: true } : undefined;
  };
  const stop = (): Promise<IteratorResult<T>> => {
    closed = true;
    queue = [];
    head = 0;
    for (const r of readers.splice(0)) r({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    push(message) {
      if (closed) return false;
      const reader = readers.shift();
      if (reader) reader({ value: message, done: false });
      else queue.push(message);
      return true;
    },
    close() {
      closed = true;
      // Readers only wait while the queue is empty: nothing more will come.
      for (const r of readers.splice(0)) r({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return {
        next: () => {
          const ready = take();
          return ready ? Promise.resolve(ready) : new Promise<IteratorResult<T>>((resolve) => readers.push(resolve));
        },
        // The consumer stops (return) or failed (throw; connect requires it): nothing more is sent.
        return: () => stop(),
        throw: () => stop(),
      };
    },
  };
}
