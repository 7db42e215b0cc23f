/**
 * Base class of every error the SDK throws on purpose. `code` is a stable
 * snake_case identifier: branch on it, never on the message. It is the slug
 * of a reason of the contract's closed list (`ErrorReason`: "invalid_step",
 * "invalid_duration", …), which the error's `ErrorInfo.reason` then carries,
 * or one of the class codes "non_retriable", "retry_after", "step_failed",
 * "run_failed", "run_cancelled" (RunFailedError).
 */
export class TenaxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TenaxError";
    this.code = code;
  }
}
