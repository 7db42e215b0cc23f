import { setTimeout as delay } from "node:timers/promises";
import { TenaxError } from "../errors/tenax-error.js";
import { createBackoff } from "../worker/backoff.js";
import { fromProtoRun, fromProtoStep } from "./from-proto.js";
import { isFinalStatus, type RunStatus, type RunUpdate } from "./run.js";
import type { RunApiContext } from "./run-api.js";
import { isTransient, toRunsError } from "./to-runs-error.js";

/** Options of `tenax.runs.watch()`. */
export interface WatchRunOptions {
  /** Only status changes, no update per stored step (the server then skips the steps). */
  statusOnly?: boolean;
  /** Stops watching: the loop throws the signal's reason. */
  signal?: AbortSignal;
}

/** How long a watch keeps trying to get a lost stream back before it gives up. */
export const RECONNECT_WINDOW_MS = 30_000;

/**
 * The run's current state, then every stored step (unless `statusOnly`) and status change until
 * the run ends (WatchRun). Breaking out of the loop cancels the stream. A stream lost after it
 * delivered something (ingest restarted, connection reset) is opened again for up to
 * RECONNECT_WINDOW_MS, without repeating updates already delivered; a first call that fails
 * (wrong URL, unknown run, refused key) throws a TenaxError at once.
 */
export async function* watchRunUpdates(ctx: RunApiContext, runId: string, options: WatchRunOptions = {}): AsyncGenerator<RunUpdate> {
  const { signal } = options;
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener("abort", abort, { once: true });
  const backoff = createBackoff({ initial: 100, max: 2000 });
  let delivered = false;
  let stepsSeen = 0; // each stream starts with every stored step, at positions 0, 1, …
  let lastStatus: RunStatus | undefined;
  let lostSince: number | undefined;
  try {
    for (;;) {
      signal?.throwIfAborted();
      let lost: unknown;
      try {
        const stream = ctx.api.watchRun({ runId, statusOnly: options.statusOnly ?? false }, ctx.call(controller.signal));
        for await (const message of stream) {
          const run = fromProtoRun(message.run);
          const fresh = message.step && message.step.position >= stepsSeen ? message.step : undefined;
          if (fresh) stepsSeen = fresh.position + 1;
          delivered = true;
          lostSince = undefined;
          backoff.reset();
          if (fresh || run.status !== lastStatus) {
            lastStatus = run.status;
            yield fresh ? { run, step: fromProtoStep(fresh) } : { run };
          }
        }
        // The server ends the stream once the run has ended; steps may still arrive with the final
        // status before that, so the end of the stream, not the first final status, ends the watch.
        if (lastStatus !== undefined && isFinalStatus(lastStatus)) return;
        lost = new TenaxError("connect_failed", `watch run ${runId}: the stream ended before the run did`);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!delivered || !isTransient(err)) throw toRunsError(err, `watch run ${runId}`, ctx.ingestUrl);
        lost = err;
      }
      lostSince ??= Date.now();
      if (Date.now() - lostSince > RECONNECT_WINDOW_MS) throw toRunsError(lost, `watch run ${runId} (lost for ${RECONNECT_WINDOW_MS} ms)`, ctx.ingestUrl);
      try {
        await delay(backoff.next(), undefined, { signal: controller.signal });
      } catch {
        throw signal?.reason ?? new TenaxError("internal", `watch run ${runId}: aborted`);
      }
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    controller.abort();
  }
}
