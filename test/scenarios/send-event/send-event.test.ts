import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const effects = createEffectsLog();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("send_event");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

describe("step.sendEvent", () => {
  it("sends an event that triggers a second function, once", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "user/signup", data: { email: "a@b.c" } }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    const sent = json(run.output) as { ids: string[] };
    expect(sent.ids).toHaveLength(1);
    const child = await stack.runForEvent(sent.ids[0]!);
    expect(json(child.output)).toEqual({ to: "a@b.c" });
    expect(effects.of(child.id)).toEqual(["email"]);
    expect((await stack.runs.listRuns({ functionId: "welcome" })).runs).toHaveLength(1);
  });
});
