import { defaultSniffTimeoutMs, envDatabaseUrl, envNumber, envString, parseListen, type Env } from "@tenax/common";

export interface IngestConfig {
  databaseUrl: string;
  host: string;
  port: number;
  eventKey?: string;
  signingKey?: string;
  /** A new connection that sends no byte within this long is dropped. */
  sniffTimeoutMs: number;
}

/** The only place ingest reads the environment. */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  const listen = parseListen(envString(env, "TENAX_INGEST_LISTEN", "127.0.0.1:8288"), "TENAX_INGEST_LISTEN");
  return {
    databaseUrl: envDatabaseUrl(env),
    ...listen,
    eventKey: env.TENAX_EVENT_KEY || undefined,
    signingKey: env.TENAX_SIGNING_KEY || undefined,
    sniffTimeoutMs: envNumber(env, "TENAX_SNIFF_TIMEOUT_MS", defaultSniffTimeoutMs),
  };
}
