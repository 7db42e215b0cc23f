import type { MessageInitShape } from "@bufbuild/protobuf";
import { invalidArgument, notFound } from "@tenax/common";
import { limits } from "@tenax/engine";
import { ErrorReason, type WatchRunsRequest, type WatchRunsResponseSchema } from "@tenax/proto";
import { isUuid, runsGetMany, runsMissing, type Database } from "@tenax/state";
import { isTerminal, runToProto } from "./to-proto.js";
import type { WatchHub } from "./watch-run.js";
import { createWaker } from "./waker.js";

/**
 * Streams the status of many runs on one stream: each run's state, then its status changes,
 * ending when every run has ended. Like WatchRun with status_only, without a stream per run
 * (each stream costs more than the run's status messages). Subscribes before the first read.
 */
export async function* watchRuns(
  database: Database,
  hub: WatchHub,
  req: WatchRunsRequest,
  signal: AbortSignal,
  pollMs = 2000,
  readSlice = 200,
): AsyncGenerator<MessageInitShape<typeof WatchRunsResponseSchema>> {
  const ids = [...new Set(req.runIds)];
  if (ids.length === 0) throw invalidArgument(ErrorReason.INVALID_RUN_IDS, "run_ids: at least one run id is required");
  if (ids.length > limits.watchRunsMaxIds)
    throw invalidArgument(ErrorReason.INVALID_RUN_IDS, `run_ids: ${ids.length} ids; the limit is ${limits.watchRunsMaxIds}`);
  const bad = req.runIds.findIndex((id) => !isUuid(id));
  if (bad >= 0) throw invalidArgument(ErrorReason.INVALID_RUN_ID, `run_ids[${bad}]: "${req.runIds[bad]}" is not a run id`);
  const [missing] = await runsMissing(database.sql, ids);
  if (missing) throw notFound(ErrorReason.RUN_NOT_FOUND, `run_ids: run ${missing} not found`);
  const waker = createWaker();
  // Runs to read: all at first, then those a notification named (cleared before each read).
  const dirty = new Set(ids);
  const unsubscribe = new Map(
    ids.map((id) => [
      id,
      hub.subscribe(id, (stepOnly) => {
        if (stepOnly) return;
        dirty.add(id);
        waker.wake();
      }),
    ]),
  );
  const onAbort = () => waker.wake();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const shown = new Map<string, string>();
    while (!signal.aborted && unsubscribe.size > 0) {
      if (dirty.size > 0) {
        // A slice per read keeps the memory of a pass small, however many runs are watched.
        const batch: string[] = [];
        for (const id of dirty) {
          if (batch.length === readSlice) break;
          dirty.delete(id);
          if (unsubscribe.has(id)) batch.push(id);
        }
        const runs = await runsGetMany(database.sql, batch);
        for (const run of runs) {
          if (shown.get(run.id) !== run.status) {
            shown.set(run.id, run.status);
            yield { run: runToProto(run) };
          }
          if (isTerminal(run)) {
            unsubscribe.get(run.id)?.();
            unsubscribe.delete(run.id);
          }
        }
        continue;
      }
      // Notifications are lost while disconnected: the poll reads every open run again.
      if (await waker.wait(pollMs)) for (const id of unsubscribe.keys()) dirty.add(id);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    for (const off of unsubscribe.values()) off();
  }
}
