import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { ErrorReason, ReasonError } from "@tenax/proto";
import { parseDatabaseUrl, type DatabaseTarget } from "./database-url.js";
import { createDatabase } from "./db.js";
import { connectionErrorCodes, isTransientDatabaseError } from "./transient.js";

export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export interface MigrateOptions {
  /** Keep retrying an unreachable database this long (services may start before Postgres). */
  waitMs?: number;
  /** Called before each retry: the error, and how long the database has been unreachable. */
  onRetry?: (err: unknown, waitedMs: number) => void;
}

// Errors of a database that is not there yet (starting, its host not yet in DNS) or unreachable.
const unreachableCodes = new Set([...connectionErrorCodes, "57P03"]); // 57P03: the database system is starting up

/**
 * Applies committed migrations; idempotent, and safe when several services start at once.
 * Every failure names DATABASE_URL (password hidden) and says what to change; an unreachable
 * database is retried for `waitMs`, then reported with the address and how long it was tried.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<void> {
  const target = parseDatabaseUrl(url);
  if ("problem" in target) throw new ReasonError(ErrorReason.INVALID_SETTING, `DATABASE_URL ${target.problem}`);
  const waitMs = options.waitMs ?? 0;
  const started = Date.now();
  for (let delay = 200, attempts = 1; ; delay = Math.min(delay * 2, 2000), attempts++) {
    try {
      return await migrateOnce(url);
    } catch (err) {
      if (!isUnreachable(err)) throw databaseError(target, err);
      const waited = Date.now() - started;
      if (waited >= waitMs) throw unreachableError(target, err, waited, attempts);
      options.onRetry?.(err, waited);
      await new Promise((r) => setTimeout(r, Math.min(delay, waitMs - waited)));
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

function errorCode(err: unknown): string {
  return String((err as { code?: unknown })?.code ?? "");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Unreachable or restarting, anywhere in the cause chain (drizzle wraps the driver's error). */
function isUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (unreachableCodes.has(errorCode(e)) || isTransientDatabaseError(e)) return true;
  }
  return false;
}

function unreachableError(target: DatabaseTarget, err: unknown, waitedMs: number, attempts: number): ReasonError {
  const over = waitedMs < 1000 ? `${waitedMs} ms` : `${Math.round(waitedMs / 1000)} s`;
  const tried = attempts === 1 ? "once" : `${attempts} times over ${over}`;
  return new ReasonError(
    ErrorReason.DATABASE_UNAVAILABLE,
    `DATABASE_URL (${target.redacted}): no PostgreSQL answered at ${target.host}:${target.port}, tried ${tried}; last error: ${errorText(err) || errorCode(err)}. ` +
      "Start PostgreSQL there, or point DATABASE_URL at a running one",
    { cause: err },
  );
}

/** A database that answered but cannot be used as DATABASE_URL says. */
function databaseError(target: DatabaseTarget, err: unknown): ReasonError {
  const code = errorCode(err);
  const where = `DATABASE_URL (${target.redacted})`;
  const at = `${target.host}:${target.port}`;
  if (code === "3D000") {
    return new ReasonError(
      ErrorReason.INVALID_SETTING,
      `${where}: database "${target.database}" does not exist on ${at}; create it (createdb ${target.database}) or name an existing database in DATABASE_URL`,
      { cause: err },
    );
  }
  if (code === "28000" || code === "28P01") {
    return new ReasonError(
      ErrorReason.INVALID_SETTING,
      `${where}: ${at} refused user "${target.user}": ${errorText(err)}; check the user and password in DATABASE_URL`,
      { cause: err },
    );
  }
  return new ReasonError(ErrorReason.DATABASE_UNAVAILABLE, `${where}: ${errorText(err) || code}`, { cause: err });
}
