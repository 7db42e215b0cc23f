import { parseDuration, type Duration } from "../time/duration.js";

/** What a timer does: a sleep or a wait's timeout, a retry's backoff, an invoke timeout. */
export interface Timer {
  readonly at: number;
  readonly kind: "sleep" | "wait" | "retry" | "invoke";
  readonly runId: string;
  fire(): void;
}

interface Scheduled extends Timer {
  /** Insertion order: timers due at the same ms fire in the order they were set. */
  readonly seq: number;
  cancelled: boolean;
}

/** The kit's virtual time: ms since the epoch, moved only by the kit. */
export interface TestClock {
  /** The current virtual time, ms since the epoch. */
  now(): number;
  /**
   * Moves virtual time forward by `duration` (`"1h"`, `"30s"`, ms), firing every timer that
   * comes due on the way (sleeps, wait and invoke timeouts, retries' backoff) in time order
   * and letting the runs they wake go as far as they can before the next one.
   */
  advance(duration: Duration): Promise<void>;
  /** Moves virtual time forward to `at` (a Date or ms since the epoch); never backwards. */
  advanceTo(at: Date | number): Promise<void>;
  /** Due times of the timers still pending, earliest first. */
  pending(): number[];
}

/** The clock with its timer queue; the engine drives it. */
export class VirtualTime {
  private current: number;
  private seq = 0;
  private timers: Scheduled[] = [];

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Sets a timer; the handle cancels it. */
  set(timer: Timer): { cancel(): void } {
    const scheduled: Scheduled = { ...timer, seq: this.seq++, cancelled: false };
    this.timers.push(scheduled);
    return { cancel: () => void (scheduled.cancelled = true) };
  }

  /** Cancels every timer of a run (it ended). */
  cancelRun(runId: string): void {
    for (const t of this.timers) if (t.runId === runId) t.cancelled = true;
  }

  /** The earliest pending timer due at or before `until` (any, without a bound). */
  next(until = Number.POSITIVE_INFINITY): Timer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: Scheduled | undefined;
    for (const t of this.timers) if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) best = t;
    return best;
  }

  /** Moves time to the timer's due time (never backwards) and fires it. */
  fire(timer: Timer): void {
    const scheduled = timer as Scheduled;
    if (scheduled.cancelled) return;
    scheduled.cancelled = true;
    this.current = Math.max(this.current, timer.at);
    timer.fire();
  }

  moveTo(at: number): void {
    this.current = Math.max(this.current, at);
  }

  pending(): number[] {
    return this.timers
      .filter((t) => !t.cancelled)
      .map((t) => t.at)
      .sort((a, b) => a - b);
  }
}

export function durationMs(duration: Duration): number {
  return parseDuration(duration);
}
