import { createClient } from "@connectrpc/connect";
import { IngestService } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import { toProtoEvent } from "../event/to-proto-event.js";
import type { EventPayload } from "../event/types.js";
import { authHeaders, createTenaxTransport } from "../rpc/transport.js";

/** Result of `tenax.send`: the effective id of each event, in order. */
export interface SendResult {
  ids: string[];
}

export type SendEvents = (events: EventPayload | EventPayload[]) => Promise<SendResult>;

/** Sends events through IngestService.SendEvents. The client is created on first use. */
export function createEventSender(options: { ingestUrl: string; key: string | undefined }): SendEvents {
  let client: ReturnType<typeof createClient<typeof IngestService>> | undefined;
  return async (input) => {
    const list = Array.isArray(input) ? input : [input];
    // The service rejects an empty batch; sending nothing is not an error.
    if (list.length === 0) return { ids: [] };
    const events = list.map(toProtoEvent);
    client ??= createClient(IngestService, createTenaxTransport(options.ingestUrl));
    try {
      const response = await client.sendEvents({ events }, { headers: authHeaders(options.key) });
      return { ids: [...response.ids] };
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new TenaxError("send_failed", `failed to send ${events.length} event(s): ${detail}`, { cause: err });
    }
  };
}
