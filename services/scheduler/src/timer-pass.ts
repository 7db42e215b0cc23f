import type { Logger } from "@tenax/common";
import { cronsNextDue, timerNextDueAt, timersFire, type Database } from "@tenax/state";
import { fireDueCrons } from "./cron-loop.js";

/**
 * One pass over the durable timers and cron schedules: fires everything due, in batches, and
 * returns when the next one is due (Infinity: nothing pending).
 */
export function createTimerPass(database: Database, logger: Logger): () => Promise<number> {
  return async () => {
    while ((await timersFire(database.sql, 500)) === 500) {}
    while ((await fireDueCrons(database.sql, logger, 100)) === 100) {}
    const [nextDueAtMs, cronDueAtMs] = await Promise.all([timerNextDueAt(database.sql), cronsNextDue(database.sql)]);
    return Math.min(nextDueAtMs ?? Infinity, cronDueAtMs ?? Infinity);
  };
}
