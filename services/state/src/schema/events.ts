import { bigint, bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

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
  },
  (t) => [index("events_name_seq_idx").on(t.name, t.seq), index("events_id_idx").on(t.id)],
);

/** Producer-chosen event ids seen recently: the 24 h dedupe window. */
export const eventIds = pgTable("event_ids", {
  id: text("id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
