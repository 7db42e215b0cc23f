import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("conditional");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

describe("conditional steps", () => {
  it.each([
    [true, ["premium", "standard"], ["fetch-user", "premium-processing", "standard-processing"]],
    [false, ["standard"], ["fetch-user", "standard-processing"]],
  ])("premium=%s", async (premium, ran, stored) => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "process/conditional", data: { userId: "u", premium } }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(effects.of(run.id)).toEqual(ran);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.map((s) => s.userId)).toEqual(stored);
  });
});
