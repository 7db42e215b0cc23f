import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Worker connections, for operators: which executor holds which worker for which functions. */
export const workers = pgTable("workers", {
  connectionId: text("connection_id").primaryKey(),
  executorId: text("executor_id").notNull(),
  instanceId: text("instance_id").notNull(),
  appId: text("app_id").notNull(),
  appVersion: text("app_version").notNull(),
  sdk: text("sdk").notNull(),
  functionIds: text("function_ids").array().notNull(),
  maxConcurrency: integer("max_concurrency").notNull(),
  connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
  disconnectedAt: timestamp("disconnected_at", { withTimezone: true }),
});
