import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import type { Proc } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
let stack: Stack;
let worker: Proc;
beforeAll(async () => {
  stack = await startStack("cancellation");
  worker = await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

async function start(name: string, data: Record<string, string> = {}) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name, data }] });
  return (await stack.runs.listRuns({ eventId: ids[0]! })).runs[0]!.id;
}
async function reached(runId: string, status: RunStatus) {
  for await (const msg of stack.runs.watchRun({ runId }, { signal: AbortSignal.timeout(20_000) })) if (msg.run?.status === status) return;
  throw new Error(`run never reached ${RunStatus[status]}`);
}

describe("cancellation", () => {
  it("cancelOn during a sleep cancels at once, and the cleanup function runs with the run id", async () => {
    const paymentDue = new Date(Date.now() + 3_600_000).toISOString();
    const runId = await start("order/created", { orderId: "o-1", paymentDue });
    const other = await start("order/created", { orderId: "o-2", paymentDue });
    await reached(runId, RunStatus.SLEEPING);
    await stack.ingest.sendEvents({ events: [{ name: "order/cancelled", data: { orderId: "o-1" } }] });
    expect((await stack.waitForRun(runId)).status).toBe(RunStatus.CANCELLED);
    const cleaned = await worker.waitFor((l) => l.msg === "cleaned up" && l.runId === runId);
    expect(cleaned.error).toBe("function cancelled");
    expect(effects.of(runId)).toEqual([]);
    expect((await stack.runs.getRun({ runId: other })).run!.status).toBe(RunStatus.SLEEPING);
  });

  it("cancelOn with a step in flight: the step's result is stored, nothing runs after it", async () => {
    const runId = await start("job/start", { jobId: "j-1" });
    await worker.waitFor((l) => l.msg === "long step started" && l.runId === runId);
    await stack.ingest.sendEvents({ events: [{ name: "job/stop", data: { jobId: "j-1" } }] });
    expect((await stack.waitForRun(runId)).status).toBe(RunStatus.CANCELLED);
    worker.child.kill("SIGUSR2");
    // The step's result arrives after the cancellation and is still stored.
    await stack.procs.get("executor")!.waitFor((l) => l.msg === "run ended while a step ran; step stored, nothing scheduled" && l.runId === runId);
    const { steps, run } = await stack.runs.getRun({ runId });
    expect(steps.map((s) => s.userId)).toEqual(["long-step"]);
    expect(run!.status).toBe(RunStatus.CANCELLED);
    expect(effects.of(runId)).toEqual(["long-step"]);
  });

  it("a start timeout cancels a run stuck behind a concurrency limit", async () => {
    const first = await start("job/queued");
    await reached(first, RunStatus.RUNNING);
    const second = await start("job/queued");
    expect((await stack.waitForRun(second)).status).toBe(RunStatus.CANCELLED);
    expect((await stack.waitForRun(first)).status).toBe(RunStatus.COMPLETED);
  });

  it("a finish timeout cancels a run still going", async () => {
    const runId = await start("job/slow");
    expect((await stack.waitForRun(runId)).status).toBe(RunStatus.CANCELLED);
    expect(effects.of(runId)).toEqual([]);
  });

  it("CancelRun and the bulk CancelRuns", async () => {
    const one = await start("job/sleep");
    await reached(one, RunStatus.SLEEPING);
    const { run } = await stack.runs.cancelRun({ runId: one });
    expect(run!.status).toBe(RunStatus.CANCELLED);
    const since = BigInt(Date.now());
    const many = await Promise.all([start("job/sleep"), start("job/sleep"), start("job/sleep")]);
    await Promise.all(many.map((id) => reached(id, RunStatus.SLEEPING)));
    const { runIds } = await stack.runs.cancelRuns({ functionId: "sleeper", startedAfterMs: since });
    expect(runIds.sort()).toEqual([...many].sort());
    for (const id of many) expect((await stack.runs.getRun({ runId: id })).run!.status).toBe(RunStatus.CANCELLED);
  });
});
