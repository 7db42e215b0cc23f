import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import type { JsonObject } from "@bufbuild/protobuf";
import { EventSchema, IngestService, type Event } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import type { EventPayload } from "../event/types.js";
import { jsonRoundTrip } from "../json/codec.js";
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

function toProtoEvent(payload: EventPayload, index: number): Event {
  if (typeof payload !== "object" || payload === null || typeof payload.name !== "string") {
    throw new TenaxError("invalid_event", `events[${index}]: \`name\` must be a string`);
  }
  const event = create(EventSchema, {
    id: payload.id ?? "",
    name: payload.name,
    data: toJsonObject(payload.data ?? {}, index, "data"),
    v: payload.v ?? "",
  });
  if (payload.user !== undefined) event.user = toJsonObject(payload.user, index, "user");
  if (payload.ts !== undefined) {
    const ms = payload.ts instanceof Date ? payload.ts.getTime() : payload.ts;
    if (!Number.isFinite(ms) || ms < 0) throw new TenaxError("invalid_event", `events[${index}].ts: must be ms since the epoch or a Date`);
    event.ts = BigInt(Math.trunc(ms));
  }
  return event;
}

// Struct fields need plain JSON; the round trip applies the same rule as step outputs.
function toJsonObject(value: unknown, index: number, field: string): JsonObject {
  let json: unknown;
  try {
    json = jsonRoundTrip(value);
  } catch (err) {
    throw new TenaxError("invalid_event", `events[${index}].${field}: not JSON-serializable`, { cause: err });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TenaxError("invalid_event", `events[${index}].${field}: must be a JSON object`);
  }
  return json as JsonObject;
}
