// W1: sequential runs of a 10-step function; trigger-to-completion latency.
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { summarize } from "../stats.js";
import { chainEvent, startOne, statusName, type Sizes, type Variant, type WorkloadResult } from "./common.js";

export async function w1(b: Bench, sizes: Sizes, variant: Variant): Promise<WorkloadResult> {
  const steps = 10;
  const errors: string[] = [];
  const observed: number[] = [];
  const server: number[] = [];
  const lag: number[] = [];
  for (let i = 0; i < sizes.w1Runs; i++) {
    const { runId, sentAt } = await startOne(b, chainEvent(variant), { steps });
    const { run, at } = await b.watch(runId, { timeoutMs: 60_000 });
    if (run.status !== RunStatus.COMPLETED) {
      errors.push(`run ${runId}: ${statusName(run)} ${run.error?.message ?? ""}`);
      continue;
    }
    observed.push(at - sentAt);
    server.push(Number(run.endedAtMs) - sentAt);
    lag.push(at - Number(run.endedAtMs)); // run ended (DB time) → WatchRun delivered it
  }
  const o = summarize(observed);
  const s = summarize(server);
  const l = summarize(lag);
  const target = variant === "checkpointing-on" ? 5 : 10;
  return {
    workload: "W1",
    variant,
    ok: errors.length === 0,
    errors,
    params: { runs: sizes.w1Runs, steps },
    metrics: [
      { name: "p50", value: o.p50, unit: "ms", kind: "latency", target: { op: "<=", value: target }, headline: true },
      { name: "p95", value: o.p95, unit: "ms", kind: "latency", headline: true },
      { name: "p99", value: o.p99, unit: "ms", kind: "latency", headline: true },
      { name: "max", value: o.max, unit: "ms", kind: "latency" },
      { name: "serverP50", value: s.p50, unit: "ms", kind: "latency" },
      { name: "serverP99", value: s.p99, unit: "ms", kind: "latency" },
      { name: "watchLagP50", value: l.p50, unit: "ms", kind: "latency" },
      { name: "watchLagMax", value: l.max, unit: "ms", kind: "latency" },
      { name: "perStepP50", value: o.p50 / steps, unit: "ms", kind: "latency" },
    ],
  };
}
