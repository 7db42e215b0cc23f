import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const effects = createEffectsLog();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("parallel");
  // Two workers: parallel steps may run on either.
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

describe("parallel steps", () => {
  it("Promise.all of three steps runs and memoizes each once, then continues", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "parallel/all", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual({ joined: "ABC" });
    expect(effects.of(run.id).sort()).toEqual(["a", "b", "c"]);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.map((s) => s.userId).sort()).toEqual(["a", "b", "c", "join"]);
  });

  it("Promise.race resolves with the step that finished first and replays deterministically", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "parallel/race", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual({ winner: "fast" });
  });
});
