import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { createDatabase } from "./db.js";

export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export interface MigrateOptions {
  /** Keep retrying an unreachable database this long (services may start before Postgres). */
  waitMs?: number;
  onRetry?: (err: unknown) => void;
}

/** Applies committed migrations; idempotent, and safe when several services start at once. */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await migrateOnce(url);
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      const transient = code === "ECONNREFUSED" || code === "57P03" || code.startsWith("CONNECT");
      if (!transient || Date.now() > deadline) throw err;
      options.onRetry?.(err);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function migrateOnce(url: string): Promise<void> {
  const database = createDatabase(url, { max: 1 });
  try {
    // Serialize concurrent migrators (three services starting together) on an advisory lock.
    await database.sql`select pg_advisory_lock(74686561)`;
    await migrate(database.db, { migrationsFolder });
  } finally {
    await database.close();
  }
}
