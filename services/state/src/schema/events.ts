import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Every accepted event. `seq` is ingest's receive sequence (ordering); `id` the public id. */
export const events = pgTable(
  "events",
  {
    seq: bigserial("seq", { mode: "number" }).primaryKey(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull(),
    user: jsonb("user").$type<Record<string, unknown>>(),
    ts: bigint("ts", { mode: "number" }).notNull(),
    v: text("v").notNull().default(""),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /** System events written by a state change, not yet matched against triggers and waits. */
    pending: boolean("pending").notNull().default(false),
    /** Why dispatching this system event failed on its own, every time: it was skipped (a poison event). */
    dispatchError: text("dispatch_error"),
  },
  (t) => [
    index("events_name_seq_idx").on(t.name, t.seq),
    index("events_id_idx").on(t.id),
    index("events_pending_idx")
      .on(t.seq)
      .where(sql`pending`),
  ],
);

/** Producer-chosen event ids seen recently: the 24 h dedupe window. */
export const eventIds = pgTable(
  "event_ids",
  {
    id: text("id").primaryKey(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // Retention deletes rows past the 24 h window, oldest first.
  (t) => [index("event_ids_created_idx").on(t.createdAt)],
);
