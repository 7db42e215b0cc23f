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

  constructor(message: string, options: { stepId: string; cause?: unknown; stack?: string }) {
    super("step_failed", message, { cause: options.cause });
    this.name = "StepError";
    this.stepId = options.stepId;
    // The original stack says where the step failed, which is what users need.
    if (options.stack) this.stack = options.stack;
  }
}
