import { create, type JsonObject } from "@bufbuild/protobuf";
import { EventSchema, type Event } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import { jsonRoundTrip } from "../json/codec.js";
import type { EventPayload } from "./types.js";

/**
 * Converts an event to send into the proto Event: `data` (default `{}`) and
 * `user` go through a JSON round trip and must be JSON objects, `ts` becomes
 * int64 ms. Throws a TenaxError `invalid_event` naming `events[index]`.
 */
export function toProtoEvent(payload: EventPayload, index: number): Event {
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
