/** A point in time: a Date, an ISO 8601 string, or ms since the epoch. */
export type DateInput = Date | string | number;

// A calendar date first ("2030-01-31", optionally followed by a time): the
// engine's lenient legacy parser would otherwise accept text like "test 2".
const ISO_DATE = /^[+-]?\d{4,6}-\d{2}-\d{2}(?:$|[T ])/;

// The range a Date can represent (±100 000 000 days around the epoch).
const MAX_DATE_MS = 8.64e15;

/**
 * Converts a point in time to whole ms since the epoch (rounded up, so a wait
 * never ends early). Strings must be ISO 8601 ("2030-01-31",
 * "2030-01-31T09:00:00Z", with an offset, ...), as a Date's JSON is. Returns
 * undefined for an Invalid Date, any other string, a non-finite number or any
 * other type.
 */
export function toEpochMs(input: DateInput): number | undefined {
  let ms: number;
  if (input instanceof Date) ms = input.getTime();
  else if (typeof input === "string") ms = ISO_DATE.test(input.trim()) ? Date.parse(input.trim()) : Number.NaN;
  else if (typeof input === "number") ms = input;
  else return undefined;
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? Math.ceil(ms) : undefined;
}
