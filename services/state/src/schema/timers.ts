import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Durable timers owned by the scheduler. Firing deletes the row in the same transaction that
 * applies its effect, so each timer fires exactly once even with several schedulers.
 */
export const timers = pgTable(
  "timers",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    kind: text("kind").$type<"retry" | "sleep" | "wait_timeout" | "invoke_timeout" | "run_timeout">().notNull(),
    stepId: text("step_id").notNull().default(""),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("timers_due_idx").on(t.dueAt), index("timers_run_idx").on(t.runId)],
);
