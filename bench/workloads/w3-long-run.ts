// W3: one run of many sequential steps; time per step.
import { RunStatus } from "@tenax/proto";
import type { Bench } from "../harness.js";
import { round, summarize } from "../stats.js";
import { chainEvent, startOne, statusName, type Sizes, type Variant, type WorkloadResult } from "./common.js";

export async function w3(b: Bench, sizes: Sizes, variant: Variant): Promise<WorkloadResult> {
  const steps = sizes.w3Steps;
  const errors: string[] = [];
  const { runId, sentAt } = await startOne(b, chainEvent(variant), { steps });
  const { run, at } = await b.watch(runId, { timeoutMs: 120_000 });
  if (run.status !== RunStatus.COMPLETED) errors.push(`run ${runId}: ${statusName(run)} ${run.error?.message ?? ""}`);
  const { steps: records } = await b.runs.getRun({ runId });
  if (records.length !== steps) errors.push(`expected ${steps} stored steps, found ${records.length}`);
  // Steady state: time between consecutive stored steps.
  const ended = records.map((s) => Number(s.endedAtMs));
  const gaps = ended.slice(1).map((e, i) => e - ended[i]!);
  const runMs = Number(run.endedAtMs) - Number(run.startedAtMs);
  const target = variant === "checkpointing-on" ? 0.15 : 1.0;
  return {
    workload: "W3",
    variant,
    ok: errors.length === 0,
    errors,
    params: { runs: 1, steps },
    metrics: [
      { name: "perStep", value: round(runMs / steps), unit: "ms/step", kind: "latency", target: { op: "<=", value: target }, headline: true },
      { name: "perStepWall", value: round((at - sentAt) / steps), unit: "ms/step", kind: "latency", headline: true },
      { name: "runDuration", value: runMs, unit: "ms", kind: "latency" },
      { name: "wall", value: at - sentAt, unit: "ms", kind: "latency" },
      { name: "stepGapP50", value: summarize(gaps).p50, unit: "ms", kind: "latency" },
      { name: "stepGapP99", value: summarize(gaps).p99, unit: "ms", kind: "latency" },
    ],
  };
}
