import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WatchRunRequest, WatchRunResponseSchema } from "@tenax/proto";
import { channels, listen, parseRunNotice, runGet, runSteps, runWatchSteps, type Database } from "@tenax/state";
import { requireRun } from "./run-api.js";
import { createWaker } from "./waker.js";
import { isTerminal, runToProto, stepToProto } from "./to-proto.js";

/** Fans run-change notifications out to WatchRun streams; one LISTEN per ingest process. */
export interface WatchHub {
  /** `onChange` gets `stepOnly` true when only steps were stored (the status is unchanged). */
  subscribe(runId: string, onChange: (stepOnly: boolean) => void): () => void;
  close(): Promise<void>;
}

export async function createWatchHub(database: Database): Promise<WatchHub> {
  const subs = new Map<string, Set<(stepOnly: boolean) => void>>();
  const unlisten = await listen(database.sql, channels.runs, (payload) => {
    const { runId, stepOnly } = parseRunNotice(payload);
    for (const fn of subs.get(runId) ?? []) fn(stepOnly);
  });
  return {
    subscribe(runId, onChange) {
      const set = subs.get(runId) ?? new Set();
      set.add(onChange);
      subs.set(runId, set);
      return () => {
        set.delete(onChange);
        if (set.size === 0) subs.delete(runId);
      };
    },
    close: unlisten,
  };
}

/**
 * Streams the run's state, then one message per stored step and status change (status_only:
 * status changes alone), ending when the run ends. Subscribes before the first read so no
 * change can fall between the two; a slow poll covers notifications lost while the database
 * connection was down.
 */
export async function* watchRun(
  database: Database,
  hub: WatchHub,
  req: WatchRunRequest,
  signal: AbortSignal,
  pollMs = 2000,
): AsyncGenerator<MessageInitShape<typeof WatchRunResponseSchema>> {
  const waker = createWaker();
  let dirty = false;
  const unsubscribe = hub.subscribe(req.runId, (stepOnly) => {
    if (stepOnly && req.statusOnly) return;
    dirty = true;
    waker.wake();
  });
  const onAbort = () => waker.wake();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // Subscribed (and steps notifying) before this read: a change after it marks `dirty`.
    if (!req.statusOnly) await runWatchSteps(database.sql, req.runId);
    let run = await requireRun(database, req.runId);
    let lastSeq = 0;
    let position = 0;
    let lastStatus = "";
    let first = true;
    while (!signal.aborted) {
      if (first || dirty) {
        // The first pass uses the run just read; a change during that read leaves `dirty` set.
        if (!first) dirty = false;
        // The run before its steps: a run read as ended has every step stored before the read.
        if (!first) run = (await runGet(database.sql, run.id)) ?? run;
        const steps = req.statusOnly ? [] : await runSteps(database.sql, run.id, lastSeq);
        first = false;
        for (const s of steps) {
          lastSeq = s.seq;
          yield { run: runToProto(run), step: stepToProto(s, position++) };
        }
        if (steps.length === 0 && run.status !== lastStatus) yield { run: runToProto(run) };
        lastStatus = run.status;
        if (isTerminal(run)) return;
      }
      if (dirty) continue; // a change arrived while we were reading or yielding
      if (await waker.wait(pollMs)) dirty = true; // notifications are lost while disconnected
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    unsubscribe();
  }
}
