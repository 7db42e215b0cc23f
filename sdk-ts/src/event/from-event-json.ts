import type { JsonObject, TenaxEvent } from "./types.js";

/**
 * Turns an event in JSON form `{ id, name, data, user, ts, v }` (a memoized
 * waitForEvent result, the `event` of a `tenax/function.*` event) into what
 * handlers see for their triggering event: `data` defaults to `{}`, `ts` is a
 * number even when written as an int64 string, a missing or empty `user` and
 * an empty `v` are left out. Never throws; a non-object gives an empty event.
 */
export function fromEventJson(value: unknown): TenaxEvent {
  const raw = isObject(value) ? (value as Record<string, unknown>) : {};
  const event: TenaxEvent = {
    id: typeof raw.id === "string" ? raw.id : "",
    name: typeof raw.name === "string" ? raw.name : "",
    data: isObject(raw.data) ? raw.data : {},
    ts: toNumber(raw.ts),
  };
  if (isObject(raw.user) && Object.keys(raw.user).length > 0) event.user = raw.user;
  if (typeof raw.v === "string" && raw.v !== "") event.v = raw.v;
  return event;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toNumber(value: unknown): number {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}
