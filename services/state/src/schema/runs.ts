import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const runStatus = pgEnum("run_status", ["queued", "running", "sleeping", "waiting", "completed", "failed", "cancelled"]);

/** A run of a function. `output` is JSON text, kept verbatim (jsonb would reorder keys). */
export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    functionVersion: integer("function_version").notNull(),
    status: runStatus("status").notNull().default("queued"),
    eventIds: text("event_ids").array().notNull(),
    eventSeqs: bigint("event_seqs", { mode: "number" }).array().notNull(),
    output: text("output"),
    error: jsonb("error").$type<Record<string, unknown>>(),
    attempt: integer("attempt").notNull().default(0),
    stepCount: integer("step_count").notNull().default(0),
    /** Set once the run planned parallel steps: from then on every step runs as its own item. */
    planMode: boolean("plan_mode").notNull().default(false),
    /** A WatchRun streams this run's steps: storing a step notifies (otherwise only status changes do). */
    watchSteps: boolean("watch_steps").notNull().default(false),
    /** Concurrency key value per concurrency limit of the function version ("" when unkeyed). */
    concurrencyKeys: text("concurrency_keys").array().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("runs_function_idx").on(t.functionId, t.createdAt),
    index("runs_status_idx").on(t.status, t.createdAt),
    index("runs_created_idx").on(t.createdAt),
    index("runs_event_ids_idx").using("gin", t.eventIds),
    // Retention deletes finished runs oldest first.
    index("runs_ended_idx")
      .on(t.endedAt)
      .where(sql`status in ('completed', 'failed', 'cancelled')`),
    index("runs_active_idx")
      .on(t.id)
      .where(sql`status not in ('completed', 'failed', 'cancelled')`),
  ],
);
