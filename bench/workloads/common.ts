import { RunStatus, type Run } from "@tenax/proto";
import type { Bench } from "../harness.js";

export type Kind = "latency" | "throughput" | "memory" | "count";

export interface Metric {
  name: string;
  value: number;
  unit: string;
  kind: Kind;
  /** The target, for the report (never asserted). */
  target?: { op: "<=" | ">="; value: number };
  /** Shown in the RESULTS.md table (others stay in the JSON line). */
  headline?: boolean;
}

export interface WorkloadResult {
  workload: string;
  variant: string;
  ok: boolean;
  errors: string[];
  params: Record<string, number | string>;
  metrics: Metric[];
  durationMs?: number;
  /** CPU time (ms) each process used during the workload. */
  cpuMs?: Record<string, number>;
}

export type Variant = "checkpointing-off" | "checkpointing-on";
export const variants: Variant[] = ["checkpointing-off", "checkpointing-on"];
export const chainFn = (v: Variant) => (v === "checkpointing-on" ? "chain-cp" : "chain");
export const chainEvent = (v: Variant) => `bench/${chainFn(v)}`;

export interface Sizes {
  w1Runs: number;
  w2Runs: number;
  w3Steps: number;
  w4Runs: number;
  w5Runs: number;
  w6Runs: number;
  watchBatch: number;
  /** Deadline for one batch workload. */
  batchDeadlineMs: number;
}

export const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

export function statusName(r: Run): string {
  return RunStatus[r.status] ?? String(r.status);
}

/** Sends one event and returns its run id (the run is created in the same transaction). */
export async function startOne(b: Bench, event: string, data: Record<string, unknown>): Promise<{ runId: string; sentAt: number }> {
  const sentAt = Date.now();
  const [eventId] = await b.send(event, [data]);
  const { runs } = await b.runs.listRuns({ eventId: eventId! });
  if (runs.length !== 1) throw new Error(`expected one run for event ${eventId}, found ${runs.length}`);
  return { runId: runs[0]!.id, sentAt };
}

/** Sends events in batches of at most 5,000 (the SendEvents limit), all at once. */
export async function sendMany(b: Bench, event: string, data: Record<string, unknown>[]): Promise<string[]> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < data.length; i += 5000) batches.push(data.slice(i, i + 5000));
  return (await Promise.all(batches.map((d) => b.send(event, d)))).flat();
}

/**
 * Sends events in sequential SendEvents calls of 500 and resolves each chunk's run ids right
 * after it (one ListRuns page holds exactly that chunk), avoiding long ListRuns paging.
 */
export async function sendChunked(b: Bench, event: string, functionId: string, data: Record<string, unknown>[]): Promise<string[]> {
  const runIds: string[] = [];
  for (let i = 0; i < data.length; i += 500) {
    const ids = await b.send(event, data.slice(i, i + 500));
    runIds.push(...(await b.runIdsFor(ids, functionId)));
  }
  return runIds;
}

/** Errors for runs that did not end as expected, capped so one line stays readable. */
export function checkRuns(watched: ({ run: Run } | undefined)[], expect: RunStatus, errors: string[]): void {
  let bad = 0;
  for (const w of watched) {
    if (!w) continue; // already reported by watchAll
    if (w.run.status !== expect) {
      if (bad++ < 5) errors.push(`run ${w.run.id}: ${statusName(w.run)} ${w.run.error?.message ?? ""}`.trim());
    }
  }
  if (bad > 5) errors.push(`... and ${bad - 5} more runs not ${RunStatus[expect]}`);
}

export function capErrors(errors: string[], max = 8): string[] {
  return errors.length > max ? [...errors.slice(0, max), `... ${errors.length - max} more errors`] : errors;
}
