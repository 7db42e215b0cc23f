import { randomUUID } from "node:crypto";
import {
  createAuthInterceptor,
  createHealthService,
  createKeyRule,
  createLogger,
  logAuthMode,
  serve,
  toConnectError,
  type Logger,
} from "@tenax/common";
import { HealthService, IngestService, RunService } from "@tenax/proto";
import { createDatabase, migrateDatabase } from "@tenax/state";
import type { IngestConfig } from "./config.js";
import { startSystemEventDispatcher } from "./dispatch-system-events.js";
import { cancelRun, cancelRuns, getRun, listRuns } from "./run-api.js";
import { sendEvents } from "./send-events.js";
import { createWatchHub, watchRun } from "./watch-run.js";
import { watchRuns } from "./watch-runs.js";

export interface IngestHandle {
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** Starts ingest: the event API (IngestService) and the run API (RunService). */
export async function startIngest(config: IngestConfig): Promise<IngestHandle> {
  const instanceId = randomUUID();
  const logger = createLogger({ service: "ingest", instance: instanceId.slice(0, 8) });
  await migrateDatabase(config.databaseUrl, { waitMs: 60_000, onRetry: (err) => logger.warn("database unreachable; retrying", { err: String(err) }) });
  const database = createDatabase(config.databaseUrl);
  const hub = await createWatchHub(database);
  const dispatcher = await startSystemEventDispatcher(database, logger);
  let draining = false;
  // Handlers map unexpected errors to a status with a stable code; the service keeps serving.
  const guard = <T>(p: Promise<T>): Promise<T> => p.catch((err) => Promise.reject(toConnectError(err)));
  const server = await serve({
    host: config.host,
    port: config.port,
    logger,
    sniffTimeoutMs: config.sniffTimeoutMs,
    interceptors: [createAuthInterceptor(createKeyRule(config, ["SendEvents"]))],
    routes(router) {
      router.service(IngestService, { sendEvents: (req) => guard(sendEvents(database, req, logger)) });
      router.service(RunService, {
        getRun: (req) => guard(getRun(database, req)),
        listRuns: (req) => guard(listRuns(database, req)),
        cancelRun: (req) => guard(cancelRun(database, req)),
        cancelRuns: (req) => guard(cancelRuns(database, req)),
        watchRun: (req, ctx) => watchRun(database, hub, req, ctx.signal),
        watchRuns: (req, ctx) => watchRuns(database, hub, req, ctx.signal),
      });
      router.service(
        HealthService,
        createHealthService({ service: "ingest", instanceId, ping: () => database.sql`select 1`, draining: () => draining }),
      );
    },
  });
  logAuthMode(logger, config);
  logger.info("listening", { address: server.address, port: server.port });
  return {
    port: server.port,
    logger,
    async stop() {
      draining = true;
      await dispatcher.stop();
      await server.close();
      await hub.close();
      await database.close();
    },
  };
}
