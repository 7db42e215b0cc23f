import { limits } from "@tenax/engine";
import { defaultSniffTimeoutMs, envDatabaseUrl, envNumber, envString, parseListen, type Env } from "@tenax/common";

export interface ExecutorConfig {
  databaseUrl: string;
  host: string;
  port: number;
  signingKey?: string;
  /** Lease granted with each request; a worker that neither answers nor extends within it loses the work. */
  leaseMs: number;
  /** Workers heartbeat this often; a worker silent for 3 intervals is dropped. */
  heartbeatMs: number;
  /** Safety-net poll of the queue (NOTIFY wakes the executor sooner). */
  pollMs: number;
  /** Multiplies the retry backoff schedule, jitter included (tests use e.g. 0.001). */
  retryBackoffScale: number;
  /** How long a drain waits for in-flight requests before handing them back. */
  drainMs: number;
  /** Database connections. More than a few only adds lock contention on small machines. */
  dbPoolSize: number;
  /** A new connection that sends no byte within this long is dropped. */
  sniffTimeoutMs: number;
  /** Open waits per event name whose `if` has no key (limits.unkeyedWaitsPerEvent by default). */
  unkeyedWaitsPerEvent: number;
}

/** The only place the executor reads the environment. */
export function loadExecutorConfig(env: Env = process.env): ExecutorConfig {
  const listen = parseListen(envString(env, "TENAX_EXECUTOR_LISTEN", "127.0.0.1:8289"), "TENAX_EXECUTOR_LISTEN");
  return {
    databaseUrl: envDatabaseUrl(env),
    ...listen,
    signingKey: env.TENAX_SIGNING_KEY || undefined,
    leaseMs: envNumber(env, "TENAX_LEASE_MS", 60_000),
    heartbeatMs: envNumber(env, "TENAX_HEARTBEAT_MS", 10_000),
    pollMs: envNumber(env, "TENAX_POLL_MS", 1_000),
    retryBackoffScale: envNumber(env, "TENAX_RETRY_BACKOFF_SCALE", 1),
    drainMs: envNumber(env, "TENAX_DRAIN_MS", 10_000),
    dbPoolSize: envNumber(env, "TENAX_EXECUTOR_DB_POOL", 4),
    sniffTimeoutMs: envNumber(env, "TENAX_SNIFF_TIMEOUT_MS", defaultSniffTimeoutMs),
    unkeyedWaitsPerEvent: envNumber(env, "TENAX_UNKEYED_WAITS_PER_EVENT", limits.unkeyedWaitsPerEvent),
  };
}
