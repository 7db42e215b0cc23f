import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/** Apps that registered functions, with the newest app version seen. */
export const apps = pgTable("apps", {
  id: text("id").primaryKey(),
  version: text("version").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The current version of each function. `config` is the FunctionConfig as JSON. */
export const functions = pgTable(
  "functions",
  {
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    version: integer("version").notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    /** App version of the registration that made this version current; older apps cannot replace it. */
    appVersion: text("app_version").notNull().default(""),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.functionId] })],
);

/** Every version of every function; runs keep the version they started with. */
export const functionVersions = pgTable(
  "function_versions",
  {
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    version: integer("version").notNull(),
    appVersion: text("app_version").notNull(),
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.functionId, t.version] })],
);

/** Event triggers of current function versions, indexed by event name for matching. */
export const functionTriggers = pgTable(
  "function_triggers",
  {
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    position: integer("position").notNull(),
    eventName: text("event_name").notNull(),
    expression: text("expression").notNull().default(""),
  },
  (t) => [primaryKey({ columns: [t.appId, t.functionId, t.position] }), index("function_triggers_event_idx").on(t.eventName)],
);
