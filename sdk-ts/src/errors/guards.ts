import type { NonRetriableError } from "./non-retriable-error.js";
import type { RetryAfterError } from "./retry-after-error.js";
import type { RunFailedError } from "./run-failed-error.js";
import type { StepError } from "./step-error.js";

// Guards compare `name` rather than using instanceof, so errors from another
// copy of the SDK (or deserialized ones) are recognised too.

function hasName(value: unknown, name: string): boolean {
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === name;
}

export function isNonRetriableError(value: unknown): value is NonRetriableError {
  return hasName(value, "NonRetriableError");
}

export function isRetryAfterError(value: unknown): value is RetryAfterError {
  return hasName(value, "RetryAfterError");
}

export function isStepError(value: unknown): value is StepError {
  return hasName(value, "StepError");
}

/** The absolute retry time of a RetryAfterError in ms since the epoch, if readable. */
export function retryAtMs(error: RetryAfterError): number | undefined {
  const at: unknown = (error as { retryAt?: unknown }).retryAt;
  const ms = at instanceof Date ? at.getTime() : typeof at === "string" || typeof at === "number" ? new Date(at).getTime() : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

export function isRunFailedError(value: unknown): value is RunFailedError {
  return hasName(value, "RunFailedError");
}
