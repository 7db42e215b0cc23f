import { parseDuration } from "../time/duration.js";
import { TenaxError } from "./tenax-error.js";

/**
 * Throw from a step (or the handler) to retry it no earlier than a given time
 * instead of on the backoff schedule.
 *
 * `retryAfter` is a delay in ms, a duration string ("30s", "5m"), a Date, or
 * an ISO date string.
 */
export class RetryAfterError extends TenaxError {
  /** Absolute time of the earliest retry. */
  readonly retryAt: Date;

  constructor(message: string, retryAfter: string | number | Date, options?: { cause?: unknown }) {
    super("retry_after", message, options);
    this.name = "RetryAfterError";
    this.retryAt = resolveRetryAt(retryAfter);
  }
}

function resolveRetryAt(retryAfter: string | number | Date): Date {
  if (retryAfter instanceof Date) {
    if (Number.isNaN(retryAfter.getTime())) throw invalid(String(retryAfter));
    return new Date(retryAfter.getTime());
  }
  if (typeof retryAfter === "number") {
    if (!Number.isFinite(retryAfter) || retryAfter < 0) throw invalid(String(retryAfter));
    return new Date(Date.now() + retryAfter);
  }
  if (typeof retryAfter === "string") {
    // A duration is the common case; fall back to an absolute date string.
    try {
      return new Date(Date.now() + parseDuration(retryAfter));
    } catch {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) return new Date(at);
    }
  }
  throw invalid(String(retryAfter));
}

function invalid(value: string): TenaxError {
  return new TenaxError(
    "invalid_retry_after",
    `RetryAfterError: retryAfter must be a duration ("30s"), ms, a Date or an ISO date, got ${JSON.stringify(value)}`,
  );
}
