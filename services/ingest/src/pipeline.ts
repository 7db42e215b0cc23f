import { eventsAppend, runsStart, transaction, triggersForEvents, type EventInput, type Sql } from "@tenax/state";
import { matchTriggers } from "./match-triggers.js";
import { resolveWaits } from "./resolve-waits.js";

/**
 * The path every event takes, from producers (SendEvents) and from runs (step.sendEvent): store
 * and dedupe, start the runs it triggers, resume the runs waiting for it — one transaction.
 * Returns the effective id of each input.
 */
export async function storeEvents(sql: Sql, inputs: EventInput[]): Promise<string[]> {
  return transaction(sql, async (tx) => {
    const appended = await eventsAppend(tx, inputs);
    if (appended.stored.length === 0) return appended.ids;
    const names = [...new Set(appended.stored.map((e) => e.name))];
    const triggers = await triggersForEvents(tx, names);
    await runsStart(tx, matchTriggers(appended.stored, triggers));
    await resolveWaits(tx, appended.stored);
    return appended.ids;
  });
}
