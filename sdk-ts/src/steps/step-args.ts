import { NonRetriableError } from "../errors/non-retriable-error.js";
import { TenaxError } from "../errors/tenax-error.js";
import { parseDuration, type Duration } from "../time/duration.js";

/** Longest sleep or wait a step may ask for: 365 days (the executor checks too). */
export const MAX_STEP_WAIT_MS = 365 * 86_400_000;
export const MAX_STEP_WAIT_TEXT = "365 days";

/**
 * Checks a step id. Like step.run, a missing id is a programming error
 * (TenaxError `invalid_step`).
 */
export function requireStepId(tool: string, id: unknown): asserts id is string {
  if (typeof id !== "string" || id === "") {
    throw new TenaxError("invalid_step", `${tool}(): the step id must be a non-empty string`);
  }
}

/**
 * Parses a step's duration argument. A bad duration fails the same way on
 * every attempt, so it is a NonRetriableError (`invalid_duration`).
 */
export function parseStepDuration(tool: string, id: string, field: string, value: Duration): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new NonRetriableError(
      `${tool}("${id}"): ${field} ${describeInput(value)} is not a valid duration; use ms or a string like "30s", "5m", "1h", "2d", "1w"`,
      {
        code: "invalid_duration",
        cause: err,
      },
    );
  }
}

/** Throws NonRetriableError `code` when `ms` exceeds MAX_STEP_WAIT_MS. */
export function checkWaitLimit(tool: string, id: string, what: string, ms: number, code: string): void {
  if (ms > MAX_STEP_WAIT_MS) {
    throw new NonRetriableError(`${tool}("${id}"): ${what} is longer than the limit of ${MAX_STEP_WAIT_TEXT}`, { code });
  }
}

/** A user value as it should appear in an error message. */
export function describeInput(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean" || value == null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
