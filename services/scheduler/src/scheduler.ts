import { startService, type ServiceHandle } from "@tenax/common";
import { SchedulerService } from "@tenax/proto";
import { channels, createDbClock, listen, timersNextDue } from "@tenax/state";
import { systemClock } from "./clock.js";
import type { SchedulerConfig } from "./config.js";
import { startRetentionLoop } from "./retention-loop.js";
import { startTimerLoop } from "./timer-loop.js";
import { createTimerPass } from "./timer-pass.js";

export type SchedulerHandle = ServiceHandle;

/** Starts the scheduler: owns every durable timer (retry backoff, sleeps, wait/invoke/run timeouts) and cron schedules. */
export function startScheduler(config: SchedulerConfig): Promise<SchedulerHandle> {
  return startService({
    name: "scheduler",
    settings: config,
    poolSize: 4,
    closeTimeoutMs: 1000,
    async parts({ database, logger }) {
      // Due times are the database's: the loop plans its sleeps on the database's clock.
      const dbClock = await createDbClock(database.sql);
      const clock = { ...systemClock, now: dbClock.now };
      const loop = startTimerLoop({ pass: createTimerPass(database, logger), logger, maxIdleMs: config.maxIdleMs, clock });
      const unlisten = await listen(database.sql, channels.timers, (payload) => loop.poke(payload ? Number(payload) : NaN));
      const retention = startRetentionLoop(database, logger, { retentionMs: config.retentionMs, intervalMs: config.retentionIntervalMs });
      return {
        routes(router) {
          router.service(SchedulerService, {
            async getTimers() {
              const { nextDueAtMs, pending } = await timersNextDue(database.sql);
              return { pending: BigInt(pending), nextDueAtMs: BigInt(nextDueAtMs ?? 0) };
            },
          });
        },
        async drain() {
          await retention.stop();
          dbClock.stop();
          await loop.stop();
          await unlisten().catch(() => {});
        },
      };
    },
  });
}
