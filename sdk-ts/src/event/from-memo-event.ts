import type { JsonObject, TenaxEvent } from "./types.js";

/**
 * Turns the memoized output of a waitForEvent step into what the handler
 * sees: `null` (timed out) stays null; an event object `{ id, name, data,
 * user, ts, v }` gets the same shape as the triggering event (`data`
 * defaults to `{}`, `ts` as a number even when stored as an int64 string,
 * empty `user`/`v` left out). Anything else is returned unchanged.
 */
export function fromMemoEvent(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const raw = value as Record<string, unknown>;
  const event: TenaxEvent = {
    id: typeof raw.id === "string" ? raw.id : "",
    name: typeof raw.name === "string" ? raw.name : "",
    data: isObject(raw.data) ? raw.data : {},
    ts: toNumber(raw.ts),
  };
  if (isObject(raw.user)) event.user = raw.user;
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
