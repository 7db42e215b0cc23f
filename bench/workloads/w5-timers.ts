// W5: runs sleeping 1 s (sleepUntil a due time computed and returned by the step before);
// lateness = start of the first step after the sleep − due time.
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { summarize } from "../stats.js";
import { capErrors, checkRuns, json, sendChunked, type Sizes, type WorkloadResult } from "./common.js";

export async function w5(b: Bench, sizes: Sizes): Promise<WorkloadResult> {
  const n = sizes.w5Runs;
  const t0 = Date.now();
  const runIds = await sendChunked(
    b,
    "bench/nap",
    "nap",
    Array.from({ length: n }, (_, i) => ({ i })),
  );
  const { watched, errors } = await b.watchAll(runIds, { batch: sizes.watchBatch, deadlineMs: sizes.batchDeadlineMs });
  checkRuns(watched, RunStatus.COMPLETED, errors);
  const outs = watched.filter((w) => w?.run.status === RunStatus.COMPLETED).map((w) => json(w!.run.output) as { due: number; woke: number });
  const late = outs.map((o) => o.woke - o.due);
  const early = late.filter((l) => l < 0).length;
  if (early) errors.push(`${early} runs woke before their due time`);
  const s = summarize(late);
  const lastWoke = Math.max(...outs.map((o) => o.woke));
  return {
    workload: "W5",
    variant: "-",
    ok: errors.length === 0 && outs.length === n,
    errors: capErrors(errors),
    params: { runs: n, sleepMs: 1000, watchBatch: sizes.watchBatch },
    metrics: [
      { name: "latenessP50", value: s.p50, unit: "ms", kind: "latency", headline: true },
      { name: "latenessP99", value: s.p99, unit: "ms", kind: "latency", target: { op: "<=", value: 50 }, headline: true },
      { name: "latenessMax", value: s.max, unit: "ms", kind: "latency" },
      { name: "latenessMin", value: s.min, unit: "ms", kind: "latency" },
      { name: "wall", value: lastWoke - t0, unit: "ms", kind: "latency" },
      { name: "completed", value: outs.length, unit: "runs", kind: "count" },
    ],
  };
}
