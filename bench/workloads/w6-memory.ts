// W6: many runs parked in waitForEvent; RSS of each service process before and after.
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { round } from "../stats.js";
import { capErrors, sendChunked, type Metric, type Sizes, type WorkloadResult } from "./common.js";

export async function w6(b: Bench, sizes: Sizes): Promise<WorkloadResult> {
  const n = sizes.w6Runs;
  const before = b.rss();
  const t0 = Date.now();
  const runIds = await sendChunked(
    b,
    "bench/park",
    "park",
    Array.from({ length: n }, (_, i) => ({ k: `k${i}` })),
  );
  const { watched, errors } = await b.watchAll(runIds, {
    batch: sizes.watchBatch,
    deadlineMs: sizes.batchDeadlineMs * 2,
    done: (r) => r.status === RunStatus.WAITING,
  });
  const parked = watched.filter((w) => w?.run.status === RunStatus.WAITING).length;
  const parkedMs = Date.now() - t0;
  const afterParked = b.rss();
  // Let the watch streams close and allocations settle (not a wait for the system under test).
  await new Promise((r) => setTimeout(r, 2000));
  const after = b.rss();
  const metrics: Metric[] = [
    { name: "parked", value: parked, unit: "runs", kind: "count" },
    { name: "parkRate", value: round((parked / parkedMs) * 1000), unit: "runs/s", kind: "throughput" },
  ];
  for (const name of Object.keys(before)) {
    const isService = name !== "worker";
    const growth = round(after[name]! - before[name]!);
    metrics.push(
      { name: `${name}.growth`, value: growth, unit: "MB", kind: "memory", target: isService ? { op: "<=", value: 50 } : undefined, headline: isService },
      { name: `${name}.before`, value: before[name]!, unit: "MB", kind: "memory" },
      { name: `${name}.after`, value: after[name]!, unit: "MB", kind: "memory" },
      { name: `${name}.afterParked`, value: afterParked[name]!, unit: "MB", kind: "memory" },
    );
  }
  return {
    workload: "W6",
    variant: "-",
    ok: errors.length === 0 && parked === n,
    errors: capErrors(errors),
    params: { runs: n, watchBatch: sizes.watchBatch },
    metrics,
  };
}
