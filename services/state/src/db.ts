import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Sql = postgres.Sql;
export type Db = PostgresJsDatabase<typeof schema>;

/** A database handle: drizzle for simple queries, postgres-js for hot-path CTEs and LISTEN. */
export interface Database {
  readonly sql: Sql;
  readonly db: Db;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size. */
  max?: number;
}

/**
 * Opens a pool. postgres-js reconnects lazily, so a Postgres restart surfaces as failed
 * queries during the outage and recovers without a new handle; LISTEN re-subscribes itself.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    // bigint columns as JS numbers: sequences and ms timestamps stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    transform: { undefined: null },
  });
  const db = drizzle(sql, { schema });
  return {
    sql,
    db,
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Runs `fn` in a transaction (or inside the one `sql` already is). */
export async function transaction<T>(sql: import("./types.js").Sql, fn: (tx: import("./types.js").Sql) => Promise<T>): Promise<T> {
  if ("savepoint" in sql) return fn(sql);
  return (sql as postgres.Sql).begin((tx) => fn(tx as unknown as import("./types.js").Sql)) as Promise<T>;
}
