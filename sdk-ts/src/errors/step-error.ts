import { TenaxError } from "./tenax-error.js";

/**
 * A step failed for good (all attempts used, or non-retriable). Replaying
 * the step rejects with this; `cause` is the step's original error.
 *
 * Catch it to run a fallback. Left uncaught, it fails the run without
 * further retries.
 */
export class StepError extends TenaxError {
  /** The step id as written, with ":n" appended for repeats. */
  readonly stepId: string;
  /**
   * Why Tenax failed the step, as a slug of the contract's closed list (`ErrorReason`), e.g.
   * "sleep_too_long", "function_not_found", "invoke_timeout"; undefined when user code failed
   * it. Branch on this, never on the message.
   */
  declare readonly reason?: string;

  constructor(message: string, options: { stepId: string; cause?: unknown; stack?: string; reason?: string }) {
    super("step_failed", message, { cause: options.cause });
    this.name = "StepError";
    this.stepId = options.stepId;
    if (options.reason) this.reason = options.reason;
    // The original stack says where the step failed, which is what users need.
    if (options.stack) this.stack = options.stack;
  }
}
