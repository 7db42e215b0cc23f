import { bigserial, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Memoized step results. The primary key (run, hashed step id) makes writes idempotent:
 * a duplicate or stale result can never overwrite the first one.
 */
export const steps = pgTable(
  "steps",
  {
    runId: uuid("run_id").notNull(),
    stepId: text("step_id").notNull(),
    // Global store order; a run's memo is its steps ordered by seq.
    seq: bigserial("seq", { mode: "number" }).notNull(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    status: text("status").$type<"completed" | "failed">().notNull(),
    output: text("output"),
    error: jsonb("error").$type<Record<string, unknown>>(),
    attempt: integer("attempt").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stepId] })],
);
