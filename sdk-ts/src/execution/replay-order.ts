/**
 * Lets the handler react to a settled hit: its synchronous continuation (and the next step it
 * requests) runs within a few microtask ticks. Microtasks, not a macrotask per hit: a macrotask
 * turn costs an event-loop iteration (~0.05–0.1 ms), which made replays O(n) in wall time.
 */
const flushMicrotasks = async () => {
  for (let i = 0; i < 32; i++) await null;
};

/**
 * Settles memo hits in memo order, so that `Promise.race` over memoized steps
 * replays the outcome it had when the results were stored.
 *
 * Rule: a memo hit never settles at once. Hits requested during one turn of
 * the event loop are collected; then they settle one at a time, always the
 * lowest memo index among those waiting (including hits requested meanwhile),
 * with a microtask flush after each so the handler can react (and request
 * further steps) before the next one settles. Hence a requested hit settles
 * only after every requested hit stored before it.
 */
export interface ReplayOrder {
  /** Queues the memo hit at `index`; `settle` is called when its turn comes. */
  enqueue(index: number, settle: () => void): void;
  /** True while hits wait or the handler is still reacting to the last one. */
  busy(): boolean;
  /** Resolves once busy() is false. */
  idle(): Promise<void>;
  /** Stops settling: hits still queued never settle. */
  stop(): void;
}

interface QueuedHit {
  index: number;
  settle: () => void;
}

export function createReplayOrder(): ReplayOrder {
  const queue: QueuedHit[] = [];
  let draining = false;
  let stopped = false;
  let waiters: Array<() => void> = [];

  const takeLowest = (): QueuedHit => {
    let lowest = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i].index < queue[lowest].index) lowest = i;
    return queue.splice(lowest, 1)[0];
  };

  const drain = async () => {
    draining = true;
    // Collect every hit requested in this turn (e.g. all racers) first.
    await flushMicrotasks();
    while (!stopped && queue.length > 0) {
      takeLowest().settle();
      await flushMicrotasks();
    }
    draining = false;
    const done = waiters;
    waiters = [];
    for (const wake of done) wake();
  };

  return {
    enqueue(index, settle) {
      if (stopped) return;
      queue.push({ index, settle });
      if (!draining) void drain();
    },
    busy: () => draining || (!stopped && queue.length > 0),
    idle() {
      if (!draining) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    stop() {
      stopped = true;
      queue.length = 0;
    },
  };
}
