import { TenaxError } from "./tenax-error.js";

/**
 * Throw from a step (or the handler) to fail it at once, without retries.
 */
export class NonRetriableError extends TenaxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("non_retriable", message, options);
    this.name = "NonRetriableError";
  }
}
