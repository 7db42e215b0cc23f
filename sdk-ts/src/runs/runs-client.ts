import type { TenaxFunction } from "../function/create-function.js";
import { awaitRunResult, type RunResultOptions, type RunTarget } from "./await-result.js";
import type { EventRunTarget } from "./find-event-run.js";
import { fromProtoRun, fromProtoStep } from "./from-proto.js";
import { listRunPages, type ListRunsOptions, type RunPage } from "./list-runs.js";
import { withNotFoundHint } from "./not-found-hint.js";
import type { Run, RunDetails, RunOutput, RunUpdate } from "./run.js";
import { createRunApiContext, type RunApi, type RunApiContext } from "./run-api.js";
import { toRunsError } from "./to-runs-error.js";
import { watchRunUpdates, type WatchRunOptions } from "./watch-run.js";

/**
 * `tenax.runs`: reads, awaits and cancels runs through the run API of the client's ingest
 * (RunService), with the signing key when one is configured. Failed calls reject with a
 * TenaxError whose `code` says why (see toRunsError).
 */
export interface RunsClient {
  /** The run with its stored steps. */
  get(runId: string): Promise<RunDetails>;
  /** Pages of runs, newest first: `for await (const page of tenax.runs.list({ functionId }))`. */
  list(options?: ListRunsOptions): AsyncGenerator<RunPage>;
  /** The run's state, then every stored step and status change until it ends; break to stop. */
  watch(runId: string, options?: WatchRunOptions): AsyncGenerator<RunUpdate>;
  /**
   * Waits for the run to end: resolves with its output (parsed JSON), rejects with a
   * RunFailedError if it failed or was cancelled. With a function first, the output is typed
   * from its handler, and `{ eventId }` picks that function's run.
   */
  result<F extends TenaxFunction<any, any>>(fn: F, target: string | Omit<EventRunTarget, "functionId">, options?: RunResultOptions): Promise<RunOutput<F>>;
  result<T = unknown>(target: RunTarget, options?: RunResultOptions): Promise<T>;
  /**
   * Cancels the run; resolves with it afterwards: "cancelled", or the status it had already
   * ended with (nothing changed then).
   */
  cancel(runId: string): Promise<Run>;
}

export interface RunsClientOptions {
  ingestUrl: string;
  signingKey: string | undefined;
  /** A RunService client to use instead of one over gRPC (tests). */
  api?: RunApi;
}

export function createRunsClient(options: RunsClientOptions): RunsClient {
  const ctx = createRunApiContext(options);
  const call = async <T>(doing: string, runId: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw await withNotFoundHint(ctx, toRunsError(err, doing, ctx.ingestUrl), runId);
    }
  };
  return {
    get: (runId) =>
      call(`get run ${runId}`, runId, async () => {
        const { run, steps } = await ctx.api.getRun({ runId }, ctx.call());
        return { ...fromProtoRun(run), steps: steps.map(fromProtoStep) };
      }),
    list: (listOptions) => listRunPages(ctx, listOptions),
    watch: (runId, watchOptions) => watchWithHint(ctx, runId, watchOptions),
    result: ((first: unknown, second?: unknown, third?: unknown) => {
      if (isFunction(first)) return awaitRunResult(ctx, second as RunTarget, { id: first.id, appId: first.appId }, third as RunResultOptions);
      return awaitRunResult(ctx, first as RunTarget, undefined, second as RunResultOptions);
    }) as RunsClient["result"],
    cancel: (runId) =>
      call(`cancel run ${runId}`, runId, async () => {
        const { run } = await ctx.api.cancelRun({ runId }, ctx.call());
        return fromProtoRun(run);
      }),
  };
}

async function* watchWithHint(ctx: RunApiContext, runId: string, options: WatchRunOptions | undefined): AsyncGenerator<RunUpdate> {
  try {
    yield* watchRunUpdates(ctx, runId, options);
  } catch (err) {
    throw await withNotFoundHint(ctx, err, runId);
  }
}

function isFunction(value: unknown): value is TenaxFunction<any, any> {
  return typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "string" && "handler" in value;
}
