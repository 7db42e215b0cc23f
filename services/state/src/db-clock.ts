import type { Sql } from "./types.js";

/**
 * The database's clock, read locally: due times, lease expiries and timer times are written by
 * Postgres (`now()`), so a service compares them with this, never with its own clock, which may
 * be off by any amount (a VM that resumed, a missing NTP). The offset is measured at start and
 * every `resyncMs` from the midpoint of a round trip, so it is accurate to half a round trip.
 */
export interface DbClock {
  /** Now, in the database's milliseconds since the epoch. */
  now(): number;
  /** Database time minus this process's time, as last measured. */
  offsetMs(): number;
  /** Measures the offset again. */
  sync(): Promise<void>;
  stop(): void;
}

export async function createDbClock(sql: Sql, options: { resyncMs?: number; localNow?: () => number } = {}): Promise<DbClock> {
  const localNow = options.localNow ?? Date.now;
  let offset = 0;
  const sync = async () => {
    const before = localNow();
    const [row] = await sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`;
    const after = localNow();
    offset = Math.round(Number(row!.ms) - (before + after) / 2); // whole ms: times are stored as integers
  };
  await sync();
  const timer = setInterval(() => void sync().catch(() => {}), options.resyncMs ?? 30_000);
  timer.unref();
  return {
    now: () => localNow() + offset,
    offsetMs: () => offset,
    sync,
    stop: () => clearInterval(timer),
  };
}
