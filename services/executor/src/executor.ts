import { randomUUID } from "node:crypto";
import { createAuthInterceptor, createHealthService, createKeyRule, createLogger, logAuthMode, serve, type Logger } from "@tenax/common";
import { ExecutorService, HealthService, WorkerService } from "@tenax/proto";
import { channels, createDatabase, leaseReleaseOwner, listen, migrateDatabase, runsFinish, stepsSave, type RunFinishParams, type StepSaveParams } from "@tenax/state";
import type { ExecutorConfig } from "./config.js";
import { createDispatcher } from "./dispatcher.js";
import { createGroupCommit } from "./group-commit.js";
import { fenceExpired } from "./inflight.js";
import type { WorkerSession } from "./session.js";
import { workerStream } from "./worker-stream.js";

export interface ExecutorHandle {
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** Starts the executor: holds worker streams, claims work, persists results. */
export async function startExecutor(config: ExecutorConfig): Promise<ExecutorHandle> {
  const executorId = randomUUID();
  const logger = createLogger({ service: "executor", instance: executorId.slice(0, 8) });
  await migrateDatabase(config.databaseUrl, { waitMs: 60_000, onRetry: (err) => logger.warn("database unreachable; retrying", { err: String(err) }) });
  const database = createDatabase(config.databaseUrl, { max: config.dbPoolSize });
  const sessions = new Map<string, WorkerSession>();
  let draining = false;
  const dispatcher = createDispatcher({ database, config, executorId, sessions, logger });
  const steps = createGroupCommit((batch: StepSaveParams[]) => stepsSave(database.sql, batch), (p) => p.runId);
  const finishes = createGroupCommit((batch: RunFinishParams[]) => runsFinish(database.sql, batch), (p) => p.runId);
  const deps = { database, config, executorId, sessions, dispatcher, steps, finishes, logger, isDraining: () => draining };

  const unlisten = await listen(database.sql, channels.queue, () => dispatcher.pump());
  // Safety net: notifications are lost while the connection is down, and expired leases
  // (a crashed executor's work) become claimable without any notification.
  const poll = setInterval(() => {
    const now = Date.now();
    for (const s of sessions.values()) fenceExpired(s.requests, now);
    dispatcher.pump();
  }, config.pollMs);

  const server = await serve({
    host: config.host,
    port: config.port,
    logger,
    sniffTimeoutMs: config.sniffTimeoutMs,
    interceptors: [createAuthInterceptor(createKeyRule(config))],
    routes(router) {
      router.service(WorkerService, { connect: (messages, ctx) => workerStream(deps, messages, ctx.signal) });
      router.service(ExecutorService, {
        async listWorkers() {
          return {
            workers: [...sessions.values()].map((s) => ({
              connectionId: s.connectionId,
              appId: s.appId,
              appVersion: s.appVersion,
              functionIds: [...s.functionIds],
              inFlight: s.requests.size,
              maxConcurrency: s.maxConcurrency,
            })),
          };
        },
      });
      router.service(HealthService, createHealthService({ service: "executor", instanceId: executorId, ping: () => database.sql`select 1`, draining: () => draining }));
    },
  });
  logAuthMode(logger, config);
  logger.info("listening", { address: server.address, port: server.port, leaseMs: config.leaseMs });

  return {
    port: server.port,
    logger,
    async stop() {
      // Drain: take no new work, let in-flight requests finish (bounded), hand back the rest.
      draining = true;
      dispatcher.stop();
      clearInterval(poll);
      const deadline = Date.now() + config.drainMs;
      while ([...sessions.values()].some((s) => s.requests.size > 0) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const s of sessions.values()) {
        s.send({ kind: { case: "close", value: { reason: "executor draining" } } });
        s.close("executor draining");
      }
      await leaseReleaseOwner(database.sql, executorId).catch(() => {});
      await server.close(1000);
      await unlisten().catch(() => {});
      await database.close();
    },
  };
}
