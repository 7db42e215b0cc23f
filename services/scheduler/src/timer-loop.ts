import type { Logger } from "@tenax/common";
import { systemClock, type Clock } from "./clock.js";

export interface TimerLoop {
  /** A timer was created, due at `dueAtMs` (unknown: NaN); re-plan the next wake-up if it is sooner. */
  poke(dueAtMs?: number): void;
  stop(): Promise<void>;
}

export interface TimerLoopOptions {
  /** Fires what is due; resolves with the next due time (Infinity: none). */
  pass: () => Promise<number>;
  logger: Logger;
  /** The longest sleep: a safety net for a lost notification. */
  maxIdleMs: number;
  clock?: Clock;
}

/** After a failed pass (say, the database is down), the next try comes this soon at most. */
export const failedPassRetryMs = 500;

/**
 * Runs passes, then sleeps until the next due time (or a notification about a new timer or cron
 * schedule) instead of polling in a tight loop. Timers and ticks that came due while no
 * scheduler ran fire on start. A notified timer due after the planned wake-up changes nothing
 * (a burst of new sleeps costs no queries); a sooner one moves the wake-up.
 */
export function startTimerLoop(options: TimerLoopOptions): TimerLoop {
  const { pass, logger, maxIdleMs, clock = systemClock } = options;
  let stopped = false;
  // While asleep: when we wake, and how to wake sooner.
  let sleeping = false;
  let wakeAtMs = 0;
  let wakeAt: (atMs: number) => void = () => {};
  // Pokes during a pass: the earliest due time, or a re-plan when one had no due time.
  let pokedDueMs = Infinity;
  let replan = false;
  const done = (async () => {
    while (!stopped) {
      let sleepMs = maxIdleMs;
      pokedDueMs = Infinity;
      replan = false;
      try {
        const dueAtMs = Math.min(await pass(), pokedDueMs);
        if (dueAtMs !== Infinity) sleepMs = Math.min(maxIdleMs, Math.max(0, dueAtMs - clock.now()));
      } catch (err) {
        logger.warn("timer pass failed; retrying", { err: String(err) });
        sleepMs = Math.min(maxIdleMs, failedPassRetryMs);
      }
      if (replan || stopped) continue;
      await new Promise<void>((resolve) => {
        let handle = clock.schedule(resolve, sleepMs);
        wakeAtMs = clock.now() + sleepMs;
        wakeAt = (atMs) => {
          clock.cancel(handle);
          wakeAtMs = atMs;
          handle = clock.schedule(resolve, Math.max(0, atMs - clock.now()));
        };
        sleeping = true;
      });
      sleeping = false;
    }
  })();
  return {
    poke(dueAtMs = NaN) {
      if (!sleeping) {
        if (Number.isFinite(dueAtMs)) pokedDueMs = Math.min(pokedDueMs, dueAtMs);
        else replan = true;
      } else if (!Number.isFinite(dueAtMs)) wakeAt(clock.now());
      else if (dueAtMs < wakeAtMs) wakeAt(dueAtMs);
    },
    async stop() {
      stopped = true;
      if (sleeping) wakeAt(clock.now());
      await done;
    },
  };
}
