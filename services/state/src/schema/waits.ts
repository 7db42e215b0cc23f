import { bigint, bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Open waits of parked runs: `event` waits (step.waitForEvent) are matched by ingest against
 * incoming events of `event_name` with a receive sequence above `min_seq`; `invoke` waits are
 * resolved when the child run ends. Resolving deletes the row, so a wait is consumed exactly once.
 */
export const waits = pgTable(
  "waits",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    stepId: text("step_id").notNull(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    kind: text("kind").$type<"event" | "invoke">().notNull(),
    eventName: text("event_name").notNull().default(""),
    expression: text("expression").notNull().default(""),
    match: text("match").notNull().default(""),
    /** Lookup key (see listenerKey in @tenax/match): the candidate field path, "" when the wait is tried against every event of its name. */
    keyPath: text("key_path").notNull().default(""),
    /** Hash of the value a candidate must have at key_path; null with a key_path: nothing can match. */
    matchKey: text("match_key"),
    /** The run's triggering event: `event` in expressions. */
    triggerEvent: jsonb("trigger_event").$type<Record<string, unknown>>(),
    /** Events with a receive sequence above this are candidates. */
    minSeq: bigint("min_seq", { mode: "number" }).notNull().default(0),
    childRunId: uuid("child_run_id"),
    timeoutAt: timestamp("timeout_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("waits_run_step_idx").on(t.runId, t.stepId),
    index("waits_event_idx").on(t.eventName, t.keyPath, t.matchKey),
    index("waits_child_idx").on(t.childRunId),
  ],
);
