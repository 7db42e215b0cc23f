import { index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Cron schedules of current function versions, one row per cron trigger. The scheduler claims
 * due rows (SKIP LOCKED), starts the tick's run and advances `next_at`, in one transaction.
 */
export const crons = pgTable(
  "crons",
  {
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    position: integer("position").notNull(),
    /** The cron as the user wrote it, e.g. "TZ=Europe/Paris 0 12 * * 5". */
    cron: text("cron").notNull(),
    /** The expression without its time-zone prefix. */
    expression: text("expression").notNull(),
    tz: text("tz").notNull().default("UTC"),
    nextAt: timestamp("next_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.functionId, t.position] }), index("crons_next_idx").on(t.nextAt)],
);
