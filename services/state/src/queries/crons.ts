import { channels } from "../notify.js";
import type { Sql } from "../types.js";

/** One cron trigger of a function version, with its first tick (computed by the caller). */
export interface CronSchedule {
  /** Index of the trigger in the function's config. */
  position: number;
  /** As the user wrote it, prefix included. */
  cron: string;
  /** Without the time-zone prefix. */
  expression: string;
  tz: string;
  nextAtMs: number;
}

export interface CronRow {
  appId: string;
  functionId: string;
  position: number;
  cron: string;
  expression: string;
  tz: string;
  nextAtMs: number;
  /** The function's current version: the one a tick's run executes. */
  version: number;
  /** That version's FunctionConfig (protobuf JSON), for the run's flow control. */
  config: Record<string, unknown>;
}

/**
 * Replaces a function's cron schedules (zero schedules removes them). Called when a new function
 * version is registered, in its transaction. Notifies the schedulers so they re-plan their sleep:
 * a new schedule may come due before the time they planned to wake at.
 */
export async function cronsReplace(sql: Sql, p: { appId: string; functionId: string; schedules: CronSchedule[] }): Promise<void> {
  await sql`delete from crons where app_id = ${p.appId} and function_id = ${p.functionId}`;
  if (p.schedules.length === 0) return;
  const rows = p.schedules.map((s) => ({
    app_id: p.appId,
    function_id: p.functionId,
    position: s.position,
    cron: s.cron,
    expression: s.expression,
    tz: s.tz,
    next_at: new Date(s.nextAtMs).toISOString(),
  }));
  const nextMs = Math.min(...p.schedules.map((s) => s.nextAtMs));
  await sql`insert into crons ${sql(rows)}`;
  await sql`select pg_notify(${channels.timers}, ${String(nextMs)})`;
}

/**
 * Locks due schedules (SKIP LOCKED, so two schedulers never fire the same row at once) with the
 * version their tick runs. Call inside the transaction that fires them and calls cronsAdvance.
 */
export async function cronsClaimDue(sql: Sql, limit: number): Promise<CronRow[]> {
  const rows = await sql`
    select c.*, f.version, f.config
    from crons c join functions f using (app_id, function_id)
    where c.next_at <= now()
    order by c.next_at
    limit ${limit}
    for update of c skip locked`;
  return rows.map((r) => ({
    appId: r.app_id as string,
    functionId: r.function_id as string,
    position: r.position as number,
    cron: r.cron as string,
    expression: r.expression as string,
    tz: r.tz as string,
    nextAtMs: new Date(r.next_at).getTime(),
    version: r.version as number,
    config: r.config as Record<string, unknown>,
  }));
}

/** Moves a schedule to its next tick after firing one. */
export async function cronsAdvance(sql: Sql, p: { appId: string; functionId: string; position: number; nextAtMs: number }): Promise<void> {
  await sql`
    update crons set next_at = ${new Date(p.nextAtMs).toISOString()}::timestamptz
    where app_id = ${p.appId} and function_id = ${p.functionId} and position = ${p.position}`;
}

/** The earliest tick (ms) of any schedule, or null when there is none. */
export async function cronsNextDue(sql: Sql): Promise<number | null> {
  const [row] = await sql`select min(next_at) as next from crons`;
  return row?.next ? new Date(row.next).getTime() : null;
}
