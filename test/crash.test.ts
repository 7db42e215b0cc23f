import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "./setup/effects.js";
import { shortLease, startStack, type Stack } from "./setup/stack.js";

const effects = createEffectsLog();
const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("crash", shortLease);
});
afterAll(() => stack?.stop());

async function startRun(n: number): Promise<string> {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n } }] });
  const { runs } = await stack.runs.listRuns({ eventId: ids[0]! });
  return runs[0]!.id;
}

describe("crashes", () => {
  it("a worker killed during step 2 of 3: a new worker finishes the run; step 1 ran once", async () => {
    const doomed = await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "two" }, "doomed-worker");
    const runId = await startRun(1);
    await doomed.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    await doomed.kill("SIGKILL");
    const rescuer = await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file }, "rescuer");
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(decode(run.output)).toEqual({ a: { n: 2 }, b: 20, c: "20!" });
    // Step two was interrupted before its result was stored, so it ran again (at-least-once).
    expect(effects.of(runId)).toEqual(["one", "two", "two", "three"]);
    await rescuer.kill("SIGTERM");
  });

  it("an executor killed mid-run and restarted: the run completes, no finished step runs again", async () => {
    const worker = await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "two" }, "steady-worker");
    const runId = await startRun(2);
    await worker.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    await stack.procs.get("executor")!.kill("SIGKILL");
    worker.child.kill("SIGUSR2"); // step two finishes while no executor is there to store it
    await worker.waitFor((l) => l.msg === "released" && l.runId === runId);
    await stack.start("executor");
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(decode(run.output)).toEqual({ a: { n: 3 }, b: 30, c: "30!" });
    const ran = effects.of(runId);
    expect(ran.filter((s) => s === "one")).toHaveLength(1);
    expect(ran.filter((s) => s === "three")).toHaveLength(1);
    const { steps } = await stack.runs.getRun({ runId });
    expect(steps.map((s) => s.userId)).toEqual(["one", "two", "three"]);
  });

  it("an executor sent SIGTERM drains: the step in flight finishes and is stored, then it exits 0", async () => {
    for (const [name, p] of stack.procs) if (name.endsWith("worker")) await p.kill("SIGTERM");
    const worker = await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "two" }, "drain-worker");
    const runId = await startRun(3);
    await worker.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    const executor = stack.procs.get("executor")!;
    executor.child.kill("SIGTERM");
    await executor.waitFor((l) => l.msg === "draining");
    worker.child.kill("SIGUSR2");
    expect(await executor.exited).toBe(0);
    const { steps } = await stack.runs.getRun({ runId });
    expect(steps.map((s) => s.userId)).toEqual(["one", "two"]);
    await stack.start("executor");
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(effects.of(runId)).toEqual(["one", "two", "three"]);
  });
});
