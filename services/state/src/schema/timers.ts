import { sql } from "drizzle-orm";
import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Durable timers owned by the scheduler. Firing deletes the row in the same transaction that
 * applies its effect, so each timer fires exactly once even with several schedulers.
 */
export const timers = pgTable(
  "timers",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    kind: text("kind").$type<"retry" | "sleep" | "wait_timeout" | "invoke_timeout" | "start_timeout" | "finish_timeout">().notNull(),
    stepId: text("step_id").notNull().default(""),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("timers_due_idx").on(t.dueAt),
    index("timers_run_idx").on(t.runId),
    // Wait and invoke timeouts are dropped by their wait's id when the wait is consumed or ends.
    index("timers_wait_idx").on(sql`(${t.data}->>'waitId')`),
    // A replay that reports a sleep again must not create a second timer.
    uniqueIndex("timers_sleep_step_idx")
      .on(t.runId, t.stepId)
      .where(sql`kind = 'sleep'`),
  ],
);
