import type { Logger } from "@tenax/common";
import { cronsNextDue, timersFire, timersNextDue, type Database } from "@tenax/state";
import { fireDueCrons } from "./cron-loop.js";

export interface TimerLoop {
  /** A timer was created; re-plan the next wake-up. */
  poke(): void;
  stop(): Promise<void>;
}

/**
 * Fires due timers and cron ticks, then sleeps until the next due time of either (or a
 * notification about a new timer or cron schedule), instead of polling in a tight loop. Timers
 * and ticks that came due while no scheduler ran fire on start.
 */
export function startTimerLoop(database: Database, logger: Logger, maxIdleMs: number): TimerLoop {
  let stopped = false;
  let wake: () => void = () => {};
  let poked = false;
  const done = (async () => {
    while (!stopped) {
      let sleepMs = maxIdleMs;
      try {
        poked = false;
        while ((await timersFire(database.sql, 500)) === 500) {}
        while ((await fireDueCrons(database.sql, logger, 100)) === 100) {}
        const [{ nextDueAtMs }, cronDueAtMs] = await Promise.all([timersNextDue(database.sql), cronsNextDue(database.sql)]);
        const dueAtMs = Math.min(nextDueAtMs ?? Infinity, cronDueAtMs ?? Infinity);
        if (dueAtMs !== Infinity) sleepMs = Math.min(maxIdleMs, Math.max(0, dueAtMs - Date.now()));
      } catch (err) {
        logger.warn("timer pass failed; retrying", { err: String(err) });
        sleepMs = Math.min(maxIdleMs, 500);
      }
      if (poked || stopped) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, sleepMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  })();
  return {
    poke() {
      poked = true;
      wake();
    },
    async stop() {
      stopped = true;
      wake();
      await done;
    },
  };
}
