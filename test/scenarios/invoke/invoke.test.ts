import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorReason, RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("invoke");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

async function parentRun(mode: string) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name: "report/requested", data: { mode } }] });
  return stack.runForEvent(ids[0]!);
}

describe("step.invoke", () => {
  it("returns the child's result; the child is a run of its own", async () => {
    const run = await parentRun("ok");
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual({ processed: { userId: "u-7", pages: 3 } });
    const children = (await stack.runs.listRuns({ functionId: "generate-report" })).runs;
    expect(children.length).toBeGreaterThanOrEqual(1);
    expect(children[0]!.status).toBe(RunStatus.COMPLETED);
  });

  it("rejects with a StepError saying the child failed; the child keeps its own state", async () => {
    const run = await parentRun("fail");
    expect(json(run.output)).toMatchObject({ caught: "StepError" });
    expect(json(run.output).message).toMatch(/failed: .*the child gave up/);
    // Why the step failed is data: the StepError's reason, the stored step error's reason.
    expect(json(run.output).reason).toBe("invoke_failed");
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.find((s) => s.userId === "call-failing")!.error).toMatchObject({
      reason: ErrorReason.INVOKE_FAILED,
      message: expect.stringMatching(/^\[invoke_failed\] /),
    });
    const [child] = (await stack.runs.listRuns({ functionId: "failing-child" })).runs;
    expect(child!.status).toBe(RunStatus.FAILED);
  });

  it("rejects with a StepError on timeout while the child runs on", async () => {
    const run = await parentRun("timeout");
    expect(json(run.output)).toMatchObject({ caught: "StepError" });
    expect(json(run.output).message).toMatch(/did not finish in time/);
    expect(json(run.output).reason).toBe("invoke_timeout");
    const [child] = (await stack.runs.listRuns({ functionId: "slow-child" })).runs;
    expect(child!.status).toBe(RunStatus.SLEEPING);
  });

  it("rejects with a StepError for an unknown function id", async () => {
    const run = await parentRun("unknown");
    expect(json(run.output)).toMatchObject({ caught: "StepError" });
    expect(json(run.output).message).toMatch(/no function "no-such-function"/);
    expect(json(run.output).reason).toBe("function_not_found");
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.find((s) => s.userId === "call-unknown")!.error!.reason).toBe(ErrorReason.FUNCTION_NOT_FOUND);
  });

  it("an invoked child that cannot start fails the step at once: its idempotency key was used", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "report/requested", data: { mode: "dup-key", key: "k-1" } }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(json(run.output)).toMatchObject({ caught: "StepError", reason: "invoke_not_started" });
    expect(json(run.output).message).toMatch(/function "once-child" started no run: its idempotency key was used/);
    const children = (await stack.runs.listRuns({ functionId: "once-child" })).runs;
    expect(children).toHaveLength(1);
  });

  it("an invoked child that cannot start fails the step at once: its event id was taken", async () => {
    const run = await parentRun("id-taken");
    expect(json(run.output)).toMatchObject({ caught: "StepError", reason: "invoke_not_started" });
    expect(json(run.output).message).toMatch(/event id "invoke-.*" was already used by another event/);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.find((s) => s.userId === "call-taken")!.error!.reason).toBe(ErrorReason.INVOKE_NOT_STARTED);
  });
});
