import type { Logger } from "@tenax/common";
import { eventsAppend, transaction, waitNamesLock, type EventInput, type EventRow, type Sql } from "@tenax/state";
import { lookUpEventNames, type EventNameLookups } from "./event-name-lookups.js";
import { matchTriggers } from "./match-triggers.js";
import { resolveCancels } from "./resolve-cancels.js";
import { resolveWaits } from "./resolve-waits.js";
import { startRuns } from "./start-runs.js";

/**
 * The path every event takes, from producers (SendEvents) and from runs (step.sendEvent): store
 * and dedupe, start the runs it triggers, resume the runs waiting for it, cancel the runs it
 * cancels — one transaction.
 * Returns the effective id of each input.
 */
export async function storeEvents(sql: Sql, inputs: EventInput[], logger?: Logger): Promise<string[]> {
  return transaction(sql, async (tx) => {
    const names = [...new Set(inputs.map((e) => e.name))];
    // Sent together, these run in order in one round trip. The shared lock comes first and is
    // held to commit, so a wait created meanwhile either is seen here or sees these events.
    const [, appended, lookups] = await Promise.all([waitNamesLock(tx, names, "shared"), eventsAppend(tx, inputs), lookUpEventNames(tx, names)]);
    if (appended.stored.length > 0) await handleStoredEvents(tx, appended.stored, lookups, logger);
    return appended.ids;
  });
}

/** Starts, resumes and cancels what newly stored events touch (in the storing transaction). */
export async function handleStoredEvents(tx: Sql, stored: EventRow[], lookups: EventNameLookups, logger?: Logger): Promise<void> {
  await startRuns(tx, matchTriggers(stored, lookups.triggers), logger);
  await resolveWaits(tx, stored, lookups.waits);
  await resolveCancels(tx, stored, lookups.cancels);
}
