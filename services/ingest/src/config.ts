import { defaultDatabaseUrl, envString, parseListen, type Env } from "@tenax/common";

export interface IngestConfig {
  databaseUrl: string;
  host: string;
  port: number;
  eventKey?: string;
  signingKey?: string;
}

/** The only place ingest reads the environment. */
export function loadIngestConfig(env: Env = process.env): IngestConfig {
  const listen = parseListen(envString(env, "TENAX_INGEST_LISTEN", "127.0.0.1:8288"), "TENAX_INGEST_LISTEN");
  return {
    databaseUrl: envString(env, "DATABASE_URL", defaultDatabaseUrl),
    ...listen,
    eventKey: env.TENAX_EVENT_KEY || undefined,
    signingKey: env.TENAX_SIGNING_KEY || undefined,
  };
}
