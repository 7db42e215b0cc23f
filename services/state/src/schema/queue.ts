import { bigserial, boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Runnable work: a discovery item per run that has something to do, plus one per parallel step.
 * `id` is the arrival order (FIFO per function and concurrency key; the keys live on the run).
 * An item is claimable when it is available and its lease is absent or expired. Items of runs
 * already under way are claimed before the first items of new runs (`fresh`): a run woken from
 * a sleep or a wait does not queue behind a backlog of runs that have not started.
 */
export const queue = pgTable(
  "queue",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id").notNull(),
    appId: text("app_id").notNull(),
    functionId: text("function_id").notNull(),
    targetStepId: text("target_step_id").notNull().default(""),
    attempt: integer("attempt").notNull().default(0),
    availableAt: timestamp("available_at", { withTimezone: true }).notNull().defaultNow(),
    leaseId: uuid("lease_id"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    /** The first item of a run that has not started: claimed after the items of runs under way. */
    fresh: boolean("fresh").notNull().default(false),
    /** Something resolved while this item was leased: parking must requeue it, not drop it. */
    dirty: boolean("dirty").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("queue_run_target_idx").on(t.runId, t.targetStepId),
    index("queue_fn_idx").on(t.appId, t.functionId, t.fresh, t.id),
    index("queue_lease_idx").on(t.leaseId),
  ],
);
