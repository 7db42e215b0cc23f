import { randomUUID } from "node:crypto";
import { createAuthInterceptor, createHealthService, createKeyRule, createLogger, logAuthMode, serve, type Logger } from "@tenax/common";
import { HealthService, SchedulerService } from "@tenax/proto";
import { channels, createDatabase, listen, migrateDatabase, timersNextDue } from "@tenax/state";
import type { SchedulerConfig } from "./config.js";
import { startTimerLoop } from "./timer-loop.js";
import { createTimerPass } from "./timer-pass.js";

export interface SchedulerHandle {
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** Starts the scheduler: owns every durable timer (retry backoff, sleeps, wait/invoke/run timeouts) and cron schedules. */
export async function startScheduler(config: SchedulerConfig): Promise<SchedulerHandle> {
  const instanceId = randomUUID();
  const logger = createLogger({ service: "scheduler", instance: instanceId.slice(0, 8) });
  await migrateDatabase(config.databaseUrl, { waitMs: 60_000, onRetry: (err) => logger.warn("database unreachable; retrying", { err: String(err) }) });
  const database = createDatabase(config.databaseUrl, { max: 4 });
  const loop = startTimerLoop({ pass: createTimerPass(database, logger), logger, maxIdleMs: config.maxIdleMs });
  const unlisten = await listen(database.sql, channels.timers, (payload) => loop.poke(payload ? Number(payload) : NaN));
  let draining = false;
  const server = await serve({
    host: config.host,
    port: config.port,
    logger,
    sniffTimeoutMs: config.sniffTimeoutMs,
    interceptors: [createAuthInterceptor(createKeyRule(config))],
    routes(router) {
      router.service(SchedulerService, {
        async getTimers() {
          const { nextDueAtMs, pending } = await timersNextDue(database.sql);
          return { pending: BigInt(pending), nextDueAtMs: BigInt(nextDueAtMs ?? 0) };
        },
      });
      router.service(HealthService, createHealthService({ service: "scheduler", instanceId, ping: () => database.sql`select 1`, draining: () => draining }));
    },
  });
  logAuthMode(logger, config);
  logger.info("listening", { address: server.address, port: server.port });
  return {
    port: server.port,
    logger,
    async stop() {
      draining = true;
      await loop.stop();
      await unlisten().catch(() => {});
      await server.close(1000);
      await database.close();
    },
  };
}
