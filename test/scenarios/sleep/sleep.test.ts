import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorReason, RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("sleep");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

async function send(name: string, data: JsonObject = {}) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name, data }] });
  return ids[0]!;
}

describe("step.sleep and step.sleepUntil", () => {
  it("sleeps 2 s, holding no worker, then runs the next step once", async () => {
    const eventId = await send("sleep/nap");
    const [listed] = (await stack.runs.listRuns({ eventId })).runs;
    const run = await stack.waitForRun(listed!.id);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output).sleptMs).toBeGreaterThanOrEqual(2000);
    expect(effects.of(run.id)).toEqual(["after"]);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.map((s) => s.userId)).toEqual(["before", "nap", "after"]);
    expect(json(steps[1]!.output)).toBeNull();
  });

  it("sleeps until a time 2 s ahead", async () => {
    const due = new Date(Date.now() + 2000);
    const run = await stack.runForEvent(await send("sleep/until", { due: due.toISOString() }));
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output).at).toBeGreaterThanOrEqual(due.getTime());
  });

  it("continues at once for a time in the past", async () => {
    const run = await stack.runForEvent(await send("sleep/until", { due: "2001-01-01T00:00:00Z" }));
    expect(run.status).toBe(RunStatus.COMPLETED);
  });

  it("fails the run with a clear error for an invalid date", async () => {
    const run = await stack.runForEvent(await send("sleep/until", { due: "not a date" }));
    expect(run.status).toBe(RunStatus.FAILED);
    expect(run.error!.message).toMatch(/wait-for-due/);
    expect(run.error!.message).toMatch(/not a date/);
    // Raised by the SDK (not user code): the reason says why, as data.
    expect(run.error).toMatchObject({ name: "NonRetriableError", reason: ErrorReason.INVALID_DATE });
  });
});
