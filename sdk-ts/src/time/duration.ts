import { TenaxError } from "../errors/tenax-error.js";

export type DurationUnit = "ms" | "s" | "m" | "h" | "d" | "w";

/** A duration: ms as a number, or a string like "500ms", "30s", "5m", "1h", "2d", "1w". */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/**
 * Converts a duration to whole milliseconds. Throws a TenaxError with code
 * `invalid_duration` for negative, non-finite or malformed input.
 */
export function parseDuration(input: Duration | string): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0) throw invalidDuration(input);
    return Math.round(input);
  }
  if (typeof input !== "string") throw invalidDuration(input);
  const match = PATTERN.exec(input.trim());
  if (!match) throw invalidDuration(input);
  const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
  if (!Number.isFinite(ms)) throw invalidDuration(input);
  return Math.round(ms);
}

function invalidDuration(input: unknown): TenaxError {
  return new TenaxError(
    "invalid_duration",
    `invalid duration ${JSON.stringify(input) ?? String(input)}: use ms as a number or a string like "500ms", "30s", "5m", "1h", "2d", "1w"`,
  );
}
