import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Logger } from "@tenax/common";
import { appendEvents } from "@tenax/engine";
import type { SendEventsRequest, SendEventsResponseSchema } from "@tenax/proto";
import { transaction, type Database } from "@tenax/state";

/** SendEvents: the shared event path; a refused call leaves nothing behind. */
export async function sendEvents(database: Database, req: SendEventsRequest, logger?: Logger): Promise<MessageInitShape<typeof SendEventsResponseSchema>> {
  const [outcome] = await transaction(database.sql, (tx) => appendEvents(tx, [{ kind: "send", events: req.events, nowMs: Date.now() }], logger));
  if (!outcome!.ok) throw outcome!.error;
  return { ids: outcome!.ids };
}
