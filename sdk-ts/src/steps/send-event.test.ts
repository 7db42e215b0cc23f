import { OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { executeHandler, hit, sha1 } from "../internal-testing/execute-handler.js";

describe("step.sendEvent", () => {
  it("emits SEND_EVENT with proto events", async () => {
    const { ops } = await executeHandler(async ({ step }) =>
      step.sendEvent("notify", [
        { name: "user/welcome", data: { email: "a@b.c", at: new Date(0) } },
        { name: "user/audit", id: "dedupe-1", user: { id: "u1" }, ts: new Date(5000), v: "2" },
      ]),
    );
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ code: OpCode.SEND_EVENT, stepId: sha1("notify"), userId: "notify", name: "notify", stepType: "step.sendEvent" });
    expect(ops[0].opts?.case).toBe("sendEvent");
    const events = ops[0].opts?.case === "sendEvent" ? ops[0].opts.value.events : [];
    expect(events).toMatchObject([
      { name: "user/welcome", id: "", data: { email: "a@b.c", at: "1970-01-01T00:00:00.000Z" }, ts: 0n, v: "" },
      { name: "user/audit", id: "dedupe-1", data: {}, user: { id: "u1" }, ts: 5000n, v: "2" },
    ]);
  });

  it("accepts a single event", async () => {
    const { ops } = await executeHandler(async ({ step }) => step.sendEvent("one", { name: "a/b" }));
    expect(ops[0].opts).toMatchObject({ case: "sendEvent", value: { events: [{ name: "a/b", data: {} }] } });
  });

  it("returns the memoized ids and never sends again", async () => {
    let sent: unknown;
    const { ops } = await executeHandler(
      async ({ step }) => {
        sent = await step.sendEvent("notify", { name: "user/welcome" });
        return "done";
      },
      { memo: [hit("notify", { ids: ["evt-1"] })] },
    );
    expect(sent).toEqual({ ids: ["evt-1"] });
    expect(ops).toMatchObject([{ code: OpCode.RUN_COMPLETE }]);
  });

  it("makes no step for an empty list", async () => {
    let sent: unknown;
    const { ops } = await executeHandler(async ({ step }) => {
      sent = await step.sendEvent("nothing", []);
      return step.run("next", () => 1);
    });
    expect(sent).toEqual({ ids: [] });
    expect(ops).toMatchObject([{ code: OpCode.STEP_RAN, userId: "next" }]);
  });

  it("fails without retries for an invalid event", async () => {
    let caught: any;
    const { ops } = await executeHandler(async ({ step }) => {
      try {
        await step.sendEvent("bad", [{ name: "ok" }, { name: "x", data: [1] as never }]);
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code: "invalid_event", message: expect.stringContaining("events[1].data") });
    expect(ops).toMatchObject([{ code: OpCode.RUN_ERROR, noRetry: true }]);
  });
});
