import { defaultSniffTimeoutMs, envDatabaseUrl, envDuration, envNumber, envString, parseListen, type Env } from "@tenax/common";

export interface SchedulerConfig {
  databaseUrl: string;
  host: string;
  port: number;
  signingKey?: string;
  /** Longest the loop sleeps without a notification (a safety net, not the timer resolution). */
  maxIdleMs: number;
  /** A new connection that sends no byte within this long is dropped. */
  sniffTimeoutMs: number;
  /** How long finished runs are kept (then deleted with their steps and the events no run needs). */
  retentionMs: number;
  /** How often the retention pass runs. */
  retentionIntervalMs: number;
}

/** The only place the scheduler reads the environment. */
export function loadSchedulerConfig(env: Env = process.env): SchedulerConfig {
  const listen = parseListen(envString(env, "TENAX_SCHEDULER_LISTEN", "127.0.0.1:8290"), "TENAX_SCHEDULER_LISTEN");
  return {
    databaseUrl: envDatabaseUrl(env),
    ...listen,
    signingKey: env.TENAX_SIGNING_KEY || undefined,
    maxIdleMs: envNumber(env, "TENAX_SCHEDULER_MAX_IDLE_MS", 5_000),
    sniffTimeoutMs: envNumber(env, "TENAX_SNIFF_TIMEOUT_MS", defaultSniffTimeoutMs),
    retentionMs: envDuration(env, "TENAX_RETENTION", 7 * 86_400_000),
    retentionIntervalMs: envDuration(env, "TENAX_RETENTION_INTERVAL", 60_000),
  };
}
