import { bigint, bigserial, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Consumer-side idempotency: at most one run per function and key value per 24 h. */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    key: text("key").notNull(),
    runId: uuid("run_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.functionId, t.key] }), index("idempotency_keys_created_idx").on(t.createdAt)],
);

/**
 * cancelOn listeners of live runs: ingest matches incoming events against them by name (like
 * waits) and cancels the run on the first match. Deleted when the run ends.
 */
export const cancels = pgTable(
  "cancels",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    eventName: text("event_name").notNull(),
    expression: text("expression").notNull().default(""),
    match: text("match").notNull().default(""),
    /** Lookup key, as for waits (listenerKey in @tenax/match). */
    keyPath: text("key_path").notNull().default(""),
    matchKey: text("match_key"),
    triggerEvent: jsonb("trigger_event").$type<Record<string, unknown>>(),
    minSeq: bigint("min_seq", { mode: "number" }).notNull().default(0),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
  },
  (t) => [index("cancels_event_idx").on(t.eventName, t.keyPath, t.matchKey), index("cancels_run_idx").on(t.runId)],
);

/**
 * The key paths waits and cancelOn rules of an event name have used: ingest reads them to know at
 * which fields of a new event to compute keys. A few rows per name; kept (a stale path costs one
 * empty index probe).
 */
export const matchPaths = pgTable(
  "match_paths",
  {
    eventName: text("event_name").notNull(),
    keyPath: text("key_path").notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventName, t.keyPath] })],
);
