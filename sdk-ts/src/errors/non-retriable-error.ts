import { TenaxError } from "./tenax-error.js";

/**
 * Throw from a step (or the handler) to fail it at once, without retries.
 *
 * `code` defaults to "non_retriable"; the SDK sets a finer one for its own
 * non-retriable errors (e.g. "invalid_date", "sleep_too_long").
 */
export class NonRetriableError extends TenaxError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? "non_retriable", message, options);
    this.name = "NonRetriableError";
  }
}
