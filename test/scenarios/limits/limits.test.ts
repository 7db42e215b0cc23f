import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("limits");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

describe("limits", () => {
  it("fails a run that exceeds 1,000 steps with step_limit_exceeded", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "limits/steps", data: {} }] });
    const run = await stack.runForEvent(ids[0]!, 120_000);
    expect(run.status).toBe(RunStatus.FAILED);
    expect(run.error!.message).toMatch(/\[step_limit_exceeded\].*limit is 1000/);
    expect(run.stepCount).toBe(1000);
  }, 150_000);

  it("fails a step returning 5 MiB with output_too_large, without retries", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "limits/output", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output).caught).toMatch(/\[output_too_large\].*4194304 bytes/);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps[0]!.attempt).toBe(0);
  });
});
