import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SendEventsRequest, SendEventsResponseSchema } from "@tenax/proto";
import { eventsAppend, runsStart, triggersForEvents, type Database } from "@tenax/state";
import { matchTriggers } from "./match-triggers.js";
import { validateEvents } from "./validate-events.js";

/**
 * SendEvents: store, dedupe, match and start runs in one transaction, so an accepted event
 * always has its runs and a failed call leaves nothing behind.
 */
export async function sendEvents(database: Database, req: SendEventsRequest): Promise<MessageInitShape<typeof SendEventsResponseSchema>> {
  const inputs = validateEvents(req.events, Date.now());
  const ids = await database.sql.begin(async (tx) => {
    const appended = await eventsAppend(tx, inputs);
    if (appended.stored.length === 0) return appended.ids;
    const names = [...new Set(appended.stored.map((e) => e.name))];
    const triggers = await triggersForEvents(tx, names);
    await runsStart(tx, matchTriggers(appended.stored, triggers));
    return appended.ids;
  });
  return { ids };
}
