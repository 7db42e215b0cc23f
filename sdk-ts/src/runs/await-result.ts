import { RunFailedError } from "../errors/run-failed-error.js";
import { TenaxError } from "../errors/tenax-error.js";
import { findEventRun, type EventRunTarget } from "./find-event-run.js";
import { withNotFoundHint } from "./not-found-hint.js";
import type { Run } from "./run.js";
import type { RunApiContext } from "./run-api.js";
import { watchRunUpdates } from "./watch-run.js";

/** A run id, or the event that started the run. */
export type RunTarget = string | EventRunTarget;

/** Options of `tenax.runs.result()`. */
export interface RunResultOptions {
  /** Stops waiting (e.g. `AbortSignal.timeout(60_000)`): the promise rejects with its reason. */
  signal?: AbortSignal;
}

/** The function a typed result must come from: its id, and its app when known. */
export interface ExpectedFunction {
  id: string;
  appId?: string | undefined;
}

/**
 * Waits for the run to end (WatchRun, status only) and resolves with its output, parsed from
 * JSON. A failed or cancelled run rejects with a RunFailedError whose cause is the run's error.
 * With `expected`, an event target picks that function's run, and a run of another function
 * rejects with "invalid_function_id".
 */
export async function awaitRunResult(
  ctx: RunApiContext,
  target: RunTarget,
  expected: ExpectedFunction | undefined,
  options: RunResultOptions = {},
): Promise<unknown> {
  const { signal } = options;
  const runId = await resolveRunId(ctx, target, expected, signal);
  let run: Run | undefined;
  try {
    for await (const update of watchRunUpdates(ctx, runId, { statusOnly: true, ...(signal ? { signal } : {}) })) {
      run = update.run;
      if (expected) checkFunction(run, expected);
    }
  } catch (err) {
    throw await withNotFoundHint(ctx, err, runId);
  }
  // The watch ends only once the run has (or throws).
  if (!run) throw new TenaxError("internal", `watch run ${runId}: no update`);
  if (run.status === "completed") return run.output;
  const status = run.status === "cancelled" ? "cancelled" : "failed";
  const what = `run ${run.id} of ${run.appId}/${run.functionId}`;
  const message = status === "failed" ? `${what} failed: ${run.error?.message ?? "no error stored"}` : `${what} was cancelled`;
  throw new RunFailedError(message, { runId: run.id, functionId: run.functionId, appId: run.appId, status, cause: run.error });
}

async function resolveRunId(ctx: RunApiContext, target: RunTarget, expected: ExpectedFunction | undefined, signal: AbortSignal | undefined): Promise<string> {
  if (typeof target === "string") {
    if (target === "") throw new TenaxError("invalid_run_id", "runs.result(): the run id is empty");
    return target;
  }
  if (typeof target !== "object" || target === null) {
    throw new TenaxError("invalid_argument", "runs.result(): pass a run id or { eventId, functionId? }");
  }
  if (expected && target.functionId !== undefined && target.functionId !== expected.id) {
    throw new TenaxError(
      "invalid_function_id",
      `runs.result(): functionId ${JSON.stringify(target.functionId)} differs from the function passed (${expected.id})`,
    );
  }
  const functionId = target.functionId ?? expected?.id;
  const appId = target.appId ?? expected?.appId;
  const run = await findEventRun(ctx, { eventId: target.eventId, ...(functionId ? { functionId } : {}), ...(appId ? { appId } : {}) }, signal);
  return run.id;
}

function checkFunction(run: Run, expected: ExpectedFunction): void {
  if (run.functionId === expected.id && (!expected.appId || run.appId === expected.appId)) return;
  const want = `${expected.appId ? `${expected.appId}/` : ""}${expected.id}`;
  throw new TenaxError("invalid_function_id", `run ${run.id} is a run of ${run.appId}/${run.functionId}, not of ${want}`);
}
