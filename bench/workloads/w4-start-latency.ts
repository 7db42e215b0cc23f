// W4: event sent → first step body starts (the body returns Date.now(); the worker is another
// process on this machine, so the clocks agree; 1 ms resolution).
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { summarize } from "../stats.js";
import { chainEvent, json, startOne, statusName, type Sizes, type Variant, type WorkloadResult } from "./common.js";

export async function w4(b: Bench, sizes: Sizes, variant: Variant): Promise<WorkloadResult> {
  const errors: string[] = [];
  const lat: number[] = [];
  for (let i = 0; i < sizes.w4Runs; i++) {
    const { runId, sentAt } = await startOne(b, chainEvent(variant), { steps: 1 });
    const { run } = await b.watch(runId, { timeoutMs: 60_000 });
    if (run.status !== RunStatus.COMPLETED) {
      errors.push(`run ${runId}: ${statusName(run)} ${run.error?.message ?? ""}`);
      continue;
    }
    lat.push((json(run.output) as { first: number }).first - sentAt);
  }
  const s = summarize(lat);
  return {
    workload: "W4",
    variant,
    ok: errors.length === 0,
    errors,
    params: { runs: sizes.w4Runs },
    metrics: [
      { name: "p50", value: s.p50, unit: "ms", kind: "latency", target: { op: "<=", value: 5 }, headline: true },
      { name: "p99", value: s.p99, unit: "ms", kind: "latency", headline: true },
      { name: "max", value: s.max, unit: "ms", kind: "latency" },
      { name: "min", value: s.min, unit: "ms", kind: "latency" },
    ],
  };
}
