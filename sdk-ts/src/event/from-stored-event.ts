import type { StoredEvent } from "@tenax/proto";
import type { TenaxEvent } from "./types.js";

/** Turns a stored event from an execute request into what a handler sees. */
export function fromStoredEvent(stored: StoredEvent | undefined): TenaxEvent {
  const event = stored?.event;
  const ts = event && event.ts > 0n ? event.ts : (stored?.receivedAtMs ?? 0n);
  const result: TenaxEvent = {
    id: event?.id ?? "",
    name: event?.name ?? "",
    data: event?.data ?? {},
    ts: Number(ts),
  };
  if (event?.user !== undefined) result.user = event.user;
  if (event?.v) result.v = event.v;
  return result;
}
