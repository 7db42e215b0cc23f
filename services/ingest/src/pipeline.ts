import type { Logger } from "@tenax/common";
import { eventsAppend, transaction, triggersForEvents, type EventInput, type Sql } from "@tenax/state";
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
    const appended = await eventsAppend(tx, inputs);
    if (appended.stored.length === 0) return appended.ids;
    const names = [...new Set(appended.stored.map((e) => e.name))];
    const triggers = await triggersForEvents(tx, names);
    await startRuns(tx, matchTriggers(appended.stored, triggers), logger);
    await resolveWaits(tx, appended.stored);
    await resolveCancels(tx, appended.stored);
    return appended.ids;
  });
}
