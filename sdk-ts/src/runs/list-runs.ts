import { TenaxError } from "../errors/tenax-error.js";
import { fromProtoRun, toProtoStatus } from "./from-proto.js";
import { RUN_STATUSES, type Run, type RunStatus } from "./run.js";
import type { RunApiContext } from "./run-api.js";
import { toRunsError } from "./to-runs-error.js";

/** Filters and paging of `tenax.runs.list()`; every filter is optional. */
export interface ListRunsOptions {
  /** Only runs of this function id (of any app unless `appId` is set). */
  functionId?: string;
  /** Only runs of this app. */
  appId?: string;
  /** Only runs in this status. */
  status?: RunStatus;
  /** Only runs this event started. */
  eventId?: string;
  /** Runs per page, 1..500. Default 50. */
  pageSize?: number;
  /** Start at the page this token names (a `nextPageToken` of an earlier listing). */
  pageToken?: string;
  /** Stops the listing. */
  signal?: AbortSignal;
}

/** One page of runs, newest first. */
export interface RunPage {
  runs: Run[];
  /** Token of the next page; unset on the last one. */
  nextPageToken?: string;
}

/**
 * Pages of runs, newest first, fetched one at a time as the loop asks for them (breaking out
 * fetches no more). Options are checked before the first page: a TenaxError "invalid_argument"
 * (status) or "invalid_page_size".
 */
export function listRunPages(ctx: RunApiContext, options: ListRunsOptions = {}): AsyncGenerator<RunPage> {
  const request = toRequest(options);
  return (async function* () {
    let pageToken = options.pageToken ?? "";
    do {
      let response;
      try {
        response = await ctx.api.listRuns({ ...request, pageToken }, ctx.call(options.signal));
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        throw toRunsError(err, "list runs", ctx.ingestUrl);
      }
      pageToken = response.nextPageToken;
      yield { runs: response.runs.map(fromProtoRun), ...(pageToken ? { nextPageToken: pageToken } : {}) };
    } while (pageToken);
  })();
}

function toRequest(options: ListRunsOptions) {
  const { status, pageSize } = options;
  if (status !== undefined && !RUN_STATUSES.includes(status)) {
    throw new TenaxError("invalid_argument", `runs.list(): status ${JSON.stringify(status)} is not one of ${RUN_STATUSES.join(", ")}`);
  }
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 500)) {
    throw new TenaxError("invalid_page_size", `runs.list(): pageSize must be an integer in 1..500, got ${String(pageSize)}`);
  }
  return {
    functionId: options.functionId ?? "",
    appId: options.appId ?? "",
    eventId: options.eventId ?? "",
    pageSize: pageSize ?? 0,
    ...(status === undefined ? {} : { status: toProtoStatus(status) }),
  };
}
