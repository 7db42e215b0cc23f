import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const module = new URL("./functions.ts", import.meta.url).href;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("checkpointing");
});
afterAll(() => stack?.stop());

async function start(fn: string) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name: `checkpoint/${fn}`, data: {} }] });
  return (await stack.runs.listRuns({ eventId: ids[0]! })).runs[0]!.id;
}
const count = (runId: string, step: string) => effects.of(runId).filter((s) => s === step).length;

describe("checkpointing", () => {
  it("runs every step and stores each once", async () => {
    const worker = await stack.scenarioWorker(module, { TENAX_COUNTER_FILE: effects.file }, "plain");
    const runId = await start("buffer-2");
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual(["s1", "s2", "s3", "s4", "s5"]);
    expect(effects.of(runId)).toEqual(["s1", "s2", "s3", "s4", "s5"]);
    const { steps } = await stack.runs.getRun({ runId });
    expect(steps.map((s) => s.userId)).toEqual(["s1", "s2", "s3", "s4", "s5"]);
    await worker.kill("SIGTERM");
  });

  it("a worker killed before its buffered steps were checkpointed: those steps run again", async () => {
    const doomed = await stack.scenarioWorker(module, { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "s3" }, "doomed-1");
    const runId = await start("buffer-3");
    await doomed.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    await doomed.kill("SIGKILL"); // s1 and s2 ran but sat in the buffer (3 steps per checkpoint)
    const rescuer = await stack.scenarioWorker(module, { TENAX_COUNTER_FILE: effects.file }, "rescuer-1");
    expect((await stack.waitForRun(runId)).status).toBe(RunStatus.COMPLETED);
    expect([count(runId, "s1"), count(runId, "s2"), count(runId, "s3")]).toEqual([2, 2, 2]);
    await rescuer.kill("SIGTERM");
  });

  it("a worker killed after a checkpoint was stored: the checkpointed steps never run again", async () => {
    const doomed = await stack.scenarioWorker(module, { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "s3" }, "doomed-2");
    const runId = await start("buffer-2");
    await doomed.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    // s1 and s2 were sent as one checkpoint; wait until it is stored, then kill the worker.
    for await (const msg of stack.runs.watchRun({ runId }, { signal: AbortSignal.timeout(20_000) })) if (msg.run && msg.run.stepCount >= 2) break;
    await doomed.kill("SIGKILL");
    const rescuer = await stack.scenarioWorker(module, { TENAX_COUNTER_FILE: effects.file }, "rescuer-2");
    expect((await stack.waitForRun(runId)).status).toBe(RunStatus.COMPLETED);
    expect([count(runId, "s1"), count(runId, "s2"), count(runId, "s3"), count(runId, "s4")]).toEqual([1, 1, 2, 1]);
    await rescuer.kill("SIGTERM");
  });
});
