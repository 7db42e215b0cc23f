import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Logger } from "@tenax/common";
import type { SendEventsRequest, SendEventsResponseSchema } from "@tenax/proto";
import type { Database } from "@tenax/state";
import { storeEvents } from "./pipeline.js";
import { validateEvents } from "./validate-events.js";

/** SendEvents: validate, then the shared event pipeline; a failed call leaves nothing behind. */
export async function sendEvents(database: Database, req: SendEventsRequest, logger?: Logger): Promise<MessageInitShape<typeof SendEventsResponseSchema>> {
  const ids = await storeEvents(database.sql, validateEvents(req.events, Date.now()), logger);
  return { ids };
}
