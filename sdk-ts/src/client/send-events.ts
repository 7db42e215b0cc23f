import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { IngestService } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import { toProtoEvent } from "../event/to-proto-event.js";
import type { EventPayload } from "../event/types.js";
import { authHeaders, createTenaxTransport } from "../rpc/transport.js";
import { createBackoff } from "../worker/backoff.js";

/** Result of `tenax.send`: the effective id of each event, in order. */
export interface SendResult {
  ids: string[];
}

export type SendEvents = (events: EventPayload | EventPayload[]) => Promise<SendResult>;

/** How many times a send whose outcome is unknown is tried again (with the same event ids). */
export const SEND_RETRIES = 4;

/**
 * Errors after which the events may or may not have been stored: the connection was lost, the
 * service was unavailable or draining, the deadline passed. Resending the same ids is safe (an id
 * seen within 24 h is not stored twice); anything else (a refused event, a refused key) is final.
 */
function outcomeUnknown(err: unknown): boolean {
  const code = ConnectError.from(err).code;
  return code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.Aborted || code === Code.Unknown;
}

/**
 * Sends events through IngestService.SendEvents. The client is created on first use. Every event
 * gets an id unless it has one, so that a send whose answer was lost can be repeated without
 * doubling its events: it is, up to SEND_RETRIES times with a growing delay.
 */
export function createEventSender(options: { ingestUrl: string; key: string | undefined }): SendEvents {
  let client: ReturnType<typeof createClient<typeof IngestService>> | undefined;
  return async (input) => {
    const list = Array.isArray(input) ? input : [input];
    // The service rejects an empty batch; sending nothing is not an error.
    if (list.length === 0) return { ids: [] };
    const events = list.map(toProtoEvent);
    for (const e of events) e.id ||= randomUUID();
    client ??= createClient(IngestService, createTenaxTransport(options.ingestUrl));
    const backoff = createBackoff({ initial: 100, max: 2000 });
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await client.sendEvents({ events }, { headers: authHeaders(options.key) });
        return { ids: [...response.ids] };
      } catch (err) {
        if (attempt < SEND_RETRIES && outcomeUnknown(err)) {
          await delay(backoff.next());
          continue;
        }
        const detail = err instanceof Error ? err.message : String(err);
        const tries = attempt > 0 ? ` (tried ${attempt + 1} times)` : "";
        throw new TenaxError("send_failed", `failed to send ${events.length} event(s)${tries}: ${detail}`, { cause: err });
      }
    }
  };
}
