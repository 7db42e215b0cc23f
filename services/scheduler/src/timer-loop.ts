import type { Logger } from "@tenax/common";
import { cronsNextDue, timersFire, timersNextDue, type Database } from "@tenax/state";
import { fireDueCrons } from "./cron-loop.js";

export interface TimerLoop {
  /** A timer was created, due at `dueAtMs` (unknown: NaN); re-plan the next wake-up if it is sooner. */
  poke(dueAtMs?: number): void;
  stop(): Promise<void>;
}

/**
 * Fires due timers and cron ticks, then sleeps until the next due time of either (or a
 * notification about a new timer or cron schedule), instead of polling in a tight loop. Timers
 * and ticks that came due while no scheduler ran fire on start. A notified timer due after the
 * planned wake-up changes nothing (a burst of new sleeps costs no queries); a sooner one moves
 * the wake-up.
 */
export function startTimerLoop(database: Database, logger: Logger, maxIdleMs: number): TimerLoop {
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
        while ((await timersFire(database.sql, 500)) === 500) {}
        while ((await fireDueCrons(database.sql, logger, 100)) === 100) {}
        const [{ nextDueAtMs }, cronDueAtMs] = await Promise.all([timersNextDue(database.sql), cronsNextDue(database.sql)]);
        const dueAtMs = Math.min(nextDueAtMs ?? Infinity, cronDueAtMs ?? Infinity, pokedDueMs);
        if (dueAtMs !== Infinity) sleepMs = Math.min(maxIdleMs, Math.max(0, dueAtMs - Date.now()));
      } catch (err) {
        logger.warn("timer pass failed; retrying", { err: String(err) });
        sleepMs = Math.min(maxIdleMs, 500);
      }
      if (replan || stopped) continue;
      await new Promise<void>((resolve) => {
        let t = setTimeout(resolve, sleepMs);
        wakeAtMs = Date.now() + sleepMs;
        wakeAt = (atMs) => {
          clearTimeout(t);
          wakeAtMs = atMs;
          t = setTimeout(resolve, Math.max(0, atMs - Date.now()));
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
      } else if (!Number.isFinite(dueAtMs)) wakeAt(Date.now());
      else if (dueAtMs < wakeAtMs) wakeAt(dueAtMs);
    },
    async stop() {
      stopped = true;
      if (sleeping) wakeAt(Date.now());
      await done;
    },
  };
}
