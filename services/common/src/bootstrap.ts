import { randomUUID } from "node:crypto";
import type { ConnectRouter } from "@connectrpc/connect";
import { HealthService } from "@tenax/proto";
import { createDatabase, migrateDatabase, type Database } from "@tenax/state";
import { createAuthInterceptor, createKeyRule } from "./auth.js";
import { createHealthService } from "./health.js";
import { logAuthMode } from "./lifecycle.js";
import { createLogger, type Logger } from "./logger.js";
import { serve } from "./server.js";

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
  await migrateDatabase(settings.databaseUrl, { waitMs: 60_000, onRetry: (err) => logger.warn("database unreachable; retrying", { err: String(err) }) });
  const database = createDatabase(settings.databaseUrl, options.poolSize ? { max: options.poolSize } : {});
  let draining = false;
  const parts = await options.parts({ instanceId, logger, database, isDraining: () => draining });
  const server = await serve({
    host: settings.host,
    port: settings.port,
    logger,
    sniffTimeoutMs: settings.sniffTimeoutMs,
    interceptors: [createAuthInterceptor(createKeyRule(settings, options.eventKeyMethods))],
    routes(router) {
      parts.routes(router);
      const health = createHealthService({ service: options.name, instanceId, ping: () => database.sql`select 1`, draining: () => draining });
      router.service(HealthService, health);
    },
  });
  logAuthMode(logger, settings);
  logger.info("listening", { address: server.address, port: server.port, ...parts.listening });
  return {
    port: server.port,
    logger,
    async stop() {
      draining = true;
      await parts.drain?.();
      await server.close(options.closeTimeoutMs);
      await parts.close?.();
      await database.close();
    },
  };
}
