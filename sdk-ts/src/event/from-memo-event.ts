import { fromEventJson } from "./from-event-json.js";

/**
 * Turns the memoized output of a waitForEvent step into what the handler
 * sees: `null` (timed out) stays null; an event object `{ id, name, data,
 * user, ts, v }` gets the same shape as the triggering event (see
 * fromEventJson). Anything else is returned unchanged.
 */
export function fromMemoEvent(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  return fromEventJson(value);
}
