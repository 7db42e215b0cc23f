import type { Logger } from "@tenax/common";
import { appendEvents, functionVersionKey, latestCronTimeAtOrBefore, nextCronTime, readFunctionConfig } from "@tenax/engine";
import { systemEvents } from "@tenax/proto";
import { cronsAdvance, cronsClaimDue, transaction, type CronRow, type EventInput, type Sql } from "@tenax/state";

/** How long a schedule whose cron no longer parses (say, a zone dropped from tzdata) waits to be retried. */
const brokenRetryMs = 60_000;

/**
 * Fires one batch of due cron schedules in one transaction: claims them (SKIP LOCKED), stores
 * one `tenax/scheduled.timer` event per tick, starts its run and advances the schedule.
 *
 * Exactly once per tick: the event id is `cron:<app>:<function>:<position>:<tickMs>`, stored
 * with producer-id dedupe (24 h), and the run starts only when the event was newly stored. Row
 * locks keep two schedulers off one schedule at a time; the id also covers a scheduler that read
 * a row just before another committed its advance.
 *
 * Missed ticks: a schedule that fell behind (every scheduler down, or a long pause) fires only
 * its most recent due tick, once, then continues with the next future tick; the ticks in
 * between are skipped rather than fired as a burst.
 *
 * Returns the number of schedules claimed (the caller loops while a batch is full).
 */
export async function fireDueCrons(sql: Sql, logger: Logger, limit: number): Promise<number> {
  return transaction(sql, async (tx) => {
    const rows = await cronsClaimDue(tx, limit);
    if (rows.length === 0) return 0;
    const nowMs = Date.now();
    const ticks: { row: CronRow; tickMs: number; event: EventInput }[] = [];
    for (const row of rows) {
      let tickMs: number;
      let nextAtMs: number;
      try {
        // The row is due by the database clock; max() keeps its tick if this host's clock is
        // slightly behind, so the tick neither goes unfired nor refires the one before.
        tickMs = Math.max(row.nextAtMs, latestCronTimeAtOrBefore(row.cron, new Date(nowMs))?.getTime() ?? 0);
        nextAtMs = nextCronTime(row.cron, new Date(Math.max(nowMs, tickMs))).getTime();
      } catch (err) {
        logger.error("cron schedule cannot be evaluated; retrying later", { appId: row.appId, functionId: row.functionId, cron: row.cron, err: String(err) });
        await cronsAdvance(tx, { ...row, nextAtMs: nowMs + brokenRetryMs });
        continue;
      }
      if (tickMs > row.nextAtMs) {
        logger.warn("cron fell behind; firing only the latest missed tick", {
          appId: row.appId,
          functionId: row.functionId,
          cron: row.cron,
          dueSince: new Date(row.nextAtMs).toISOString(),
          scheduledAt: new Date(tickMs).toISOString(),
        });
      }
      ticks.push({ row, tickMs, event: tickEvent(row, tickMs) });
      await cronsAdvance(tx, { ...row, nextAtMs });
    }
    // Cron runs get the same flow control as event-triggered ones (idempotency, concurrency, cancelOn, timeouts).
    const outcomes = await appendEvents(
      tx,
      ticks.map(({ row, event }) => ({
        kind: "cron" as const,
        event,
        target: {
          appId: row.appId,
          functionId: row.functionId,
          version: row.version,
          config: readFunctionConfig(row.config, functionVersionKey(row.appId, row.functionId, row.version)),
        },
      })),
      logger,
    );
    ticks.forEach(({ row, tickMs }, i) => {
      const outcome = outcomes[i]!;
      const fields = { appId: row.appId, functionId: row.functionId, cron: row.cron, scheduledAt: new Date(tickMs).toISOString() };
      logger.info(outcome.ok && outcome.stored.length > 0 ? "cron tick fired" : "cron tick already fired", fields);
    });
    return rows.length;
  });
}

function tickEvent(row: CronRow, tickMs: number): EventInput {
  return {
    id: `cron:${row.appId}:${row.functionId}:${row.position}:${tickMs}`,
    name: systemEvents.scheduledTimer,
    data: { cron: row.cron, scheduledAt: new Date(tickMs).toISOString() },
    user: null,
    ts: tickMs,
    v: "",
    producerId: true,
  };
}
