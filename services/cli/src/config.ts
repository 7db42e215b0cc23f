import { envNumber, envString, type Env } from "@tenax/common";

export interface CliConfig {
  /** As set; `tenax dev` and `tenax migrate` check it (envDatabaseUrl). */
  databaseUrl?: string;
  ingestUrl: string;
  executorUrl: string;
  signingKey?: string;
  eventKey?: string;
  /** Where `tenax dev` keeps its embedded database. */
  dataDir: string;
  devPostgresPort: number;
}

/** The only place the CLI reads the environment. */
export function loadCliConfig(env: Env = process.env): CliConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    ingestUrl: envString(env, "TENAX_INGEST_URL", "http://127.0.0.1:8288"),
    executorUrl: envString(env, "TENAX_EXECUTOR_URL", "http://127.0.0.1:8289"),
    signingKey: env.TENAX_SIGNING_KEY || undefined,
    eventKey: env.TENAX_EVENT_KEY || undefined,
    dataDir: envString(env, "TENAX_DATA_DIR", ".tenax"),
    devPostgresPort: envNumber(env, "TENAX_DEV_PG_PORT", 54329),
  };
}
