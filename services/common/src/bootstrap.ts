import { randomUUID } from "node:crypto";
import type { ConnectRouter } from "@connectrpc/connect";
import { HealthService } from "@tenax/proto";
import { createDatabase, migrateDatabase, redactDatabaseUrl, type Database } from "@tenax/state";
import { createAuthInterceptor, createKeyRule } from "./auth.js";
import { guardDriverBugs } from "./driver-guard.js";
import { createHealthService } from "./health.js";
import { logAuthMode } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { checkListen, serve } from "./server.js";

/** The settings every service has. */
export interface ServiceSettings {
  databaseUrl: string;
  host: string;
  port: number;
  sniffTimeoutMs: number;
  eventKey?: string;
  signingKey?: string;
}

/** What a service is given to build its parts. */
export interface ServiceContext {
  readonly instanceId: string;
  readonly logger: Logger;
  readonly database: Database;
  /** True once stop began: take no new work. */
  isDraining(): boolean;
}

/** A service's own parts, around the shared skeleton. */
export interface ServiceParts {
  routes(router: ConnectRouter): void;
  /** Extra fields of the "listening" log line. */
  listening?: Record<string, unknown>;
  /** First step of stop, while the server still answers: stop taking work, finish or hand back. */
  drain?(): Promise<void>;
  /** After the server closed, before the database closes. */
  close?(): Promise<void>;
}

export interface StartServiceOptions {
  name: "ingest" | "scheduler" | "executor";
  settings: ServiceSettings;
  /** Database pool size (default: postgres-js's). */
  poolSize?: number;
  /** Methods that accept the event key; every other method requires the signing key. */
  eventKeyMethods?: string[];
  /** How long stop waits for open connections to finish. */
  closeTimeoutMs?: number;
  parts(ctx: ServiceContext): Promise<ServiceParts>;
}

/** The setting that chooses each service's address, named when that address cannot be used. */
export const listenSettings = {
  ingest: "TENAX_INGEST_LISTEN",
  scheduler: "TENAX_SCHEDULER_LISTEN",
  executor: "TENAX_EXECUTOR_LISTEN",
} as const;

/** How long a service waits for an unreachable database before it gives up. */
export const databaseWaitMs = 60_000;

export interface ServiceHandle {
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/**
 * The skeleton the three services share: log, migrate (waiting for the database), open the
 * pool, build the service's parts, serve them with auth and HealthService, say "listening";
 * on stop: drain, close the server, release, close the pool.
 */
export async function startService(options: StartServiceOptions): Promise<ServiceHandle> {
  const { settings } = options;
  const instanceId = randomUUID();
  const logger = createLogger({ service: options.name, instance: instanceId.slice(0, 8) });
  guardDriverBugs(logger);
  const listenSetting = listenSettings[options.name];
  // A taken port fails at once, before the wait for the database.
  await checkListen(settings.host, settings.port, listenSetting);
  let nextRetryLogAt = 0;
  await migrateDatabase(settings.databaseUrl, {
    waitMs: databaseWaitMs,
    // The first retry and then one line per 10 s, not one per attempt.
    onRetry: (err, waitedMs) => {
      if (waitedMs < nextRetryLogAt) return;
      nextRetryLogAt = waitedMs + 10_000;
      const database = redactDatabaseUrl(settings.databaseUrl);
      logger.warn("database unreachable; retrying", { database, err: String(err), waitedMs, giveUpAfterMs: databaseWaitMs });
    },
  });
  const database = createDatabase(settings.databaseUrl, options.poolSize ? { max: options.poolSize } : {});
  let draining = false;
  let parts: ServiceParts | undefined;
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    parts = await options.parts({ instanceId, logger, database, isDraining: () => draining });
    const built = parts;
    const keyRule = createKeyRule(settings, options.eventKeyMethods);
    server = await serve({
      host: settings.host,
      port: settings.port,
      logger,
      sniffTimeoutMs: settings.sniffTimeoutMs,
      listenSetting,
      authRule: keyRule,
      interceptors: [createAuthInterceptor(keyRule)],
      routes(router) {
        built.routes(router);
        const health = createHealthService({ service: options.name, instanceId, ping: () => database.sql`select 1`, draining: () => draining });
        router.service(HealthService, health);
      },
    });
  } catch (err) {
    // Release what started, so a failed start leaves nothing running (tenax dev goes on to stop Postgres).
    draining = true;
    await parts?.drain?.().catch(() => {});
    await parts?.close?.().catch(() => {});
    await database.close().catch(() => {});
    throw err;
  }
  const running = parts;
  logAuthMode(logger, settings);
  logger.info("listening", { address: server.address, port: server.port, ...running.listening });
  return {
    port: server.port,
    logger,
    async stop() {
      draining = true;
      await running.drain?.();
      await server.close(options.closeTimeoutMs);
      await running.close?.();
      await database.close();
    },
  };
}
