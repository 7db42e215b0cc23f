// W2: many runs of a 3-step function sent at once (one SendEvents call); wall time, runs/s, steps/s.
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { round } from "../stats.js";
import { capErrors, chainEvent, chainFn, checkRuns, sendMany, type Sizes, type Variant, type WorkloadResult } from "./common.js";

export async function w2(b: Bench, sizes: Sizes, variant: Variant): Promise<WorkloadResult> {
  const steps = 3;
  const n = sizes.w2Runs;
  const t0 = Date.now();
  const eventIds = await sendMany(
    b,
    chainEvent(variant),
    Array.from({ length: n }, () => ({ steps })),
  );
  const sentMs = Date.now() - t0;
  const r0 = Date.now();
  const runIds = await b.runIdsFor(eventIds, chainFn(variant));
  const resolveMs = Date.now() - r0;
  const { watched, errors } = await b.watchAll(runIds, { batch: sizes.watchBatch, deadlineMs: sizes.batchDeadlineMs });
  checkRuns(watched, RunStatus.COMPLETED, errors);
  const done = watched.filter((w) => w?.run.status === RunStatus.COMPLETED);
  const lastObserved = Math.max(...done.map((w) => w!.at));
  const lastEnded = Math.max(...done.map((w) => Number(w!.run.endedAtMs)));
  const wallMs = lastObserved - t0;
  const serverWallMs = lastEnded - t0;
  return {
    workload: "W2",
    variant,
    ok: errors.length === 0 && done.length === n,
    errors: capErrors(errors),
    params: { runs: n, steps, watchBatch: sizes.watchBatch },
    metrics: [
      // Wall = send → the last run's ended_at (as WatchRun reported it): independent of how
      // quickly the bench's bounded watches get to each run.
      { name: "wall", value: serverWallMs, unit: "ms", kind: "latency", headline: true },
      {
        name: "runsPerSec",
        value: round((done.length / serverWallMs) * 1000),
        unit: "runs/s",
        kind: "throughput",
        target: { op: ">=", value: 1000 },
        headline: true,
      },
      { name: "stepsPerSec", value: round((done.length * steps * 1000) / serverWallMs), unit: "steps/s", kind: "throughput", headline: true },
      { name: "wallObserved", value: wallMs, unit: "ms", kind: "latency" },
      { name: "runsPerSecObserved", value: round((done.length / wallMs) * 1000), unit: "runs/s", kind: "throughput" },
      { name: "resolveRunIds", value: resolveMs, unit: "ms", kind: "latency" },
      { name: "sendCall", value: sentMs, unit: "ms", kind: "latency" },
      { name: "completed", value: done.length, unit: "runs", kind: "count" },
    ],
  };
}
