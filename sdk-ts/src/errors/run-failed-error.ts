import { TenaxError } from "./tenax-error.js";

/**
 * A run ended without an output: it failed (code "run_failed") or was cancelled (code
 * "run_cancelled"). What `tenax.runs.result()` rejects with. `cause` is the run's stored error,
 * rebuilt with its own cause chain (e.g. a "StepError" whose cause is what the step threw); a
 * cancelled run usually has none.
 */
export class RunFailedError extends TenaxError {
  readonly runId: string;
  readonly functionId: string;
  readonly appId: string;
  /** How the run ended. */
  readonly status: "failed" | "cancelled";

  constructor(message: string, options: { runId: string; functionId: string; appId: string; status: "failed" | "cancelled"; cause?: unknown }) {
    super(options.status === "failed" ? "run_failed" : "run_cancelled", message, { cause: options.cause });
    this.name = "RunFailedError";
    this.runId = options.runId;
    this.functionId = options.functionId;
    this.appId = options.appId;
    this.status = options.status;
  }
}
