import { OpCode } from "@tenax/proto";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { TenaxEvent } from "../event/types.js";
import { executeHandler, hit, NOW, sha1 } from "../internal-testing/execute-handler.js";

describe("step.waitForEvent", () => {
  it("emits WAIT_FOR_EVENT with an absolute timeout and the match path", async () => {
    const { ops } = await executeHandler(async ({ step }) =>
      step.waitForEvent("wait-for-payment", { event: "order/paid", match: "data.orderId", timeout: "1h" }),
    );
    expect(ops).toEqual([
      {
        code: OpCode.WAIT_FOR_EVENT,
        stepId: sha1("wait-for-payment"),
        userId: "wait-for-payment",
        name: "wait-for-payment",
        stepType: "step.waitForEvent",
        opts: { case: "waitForEvent", value: { event: "order/paid", timeoutAtMs: BigInt(NOW + 3_600_000), match: "data.orderId", expression: "" } },
      },
    ]);
  });

  it("passes `if` as the expression", async () => {
    const { ops } = await executeHandler(async ({ step }) =>
      step.waitForEvent("w", { event: "cart/checkout", if: "event.data.id == async.data.id", timeout: 5000 }),
    );
    expect(ops[0].opts).toEqual({
      case: "waitForEvent",
      value: { event: "cart/checkout", timeoutAtMs: BigInt(NOW + 5000), match: "", expression: "event.data.id == async.data.id" },
    });
  });

  it("resolves with the matched event, shaped like the trigger", async () => {
    let got: TenaxEvent<{ amount: number }> | null = null;
    const stored = { id: "evt-9", name: "order/paid", data: { amount: 30 }, user: null, ts: "1700000000123", v: "" };
    await executeHandler(
      async ({ step }) => {
        got = await step.waitForEvent<{ amount: number }>("w", { event: "order/paid", timeout: "1h" });
      },
      { memo: [hit("w", stored)] },
    );
    expect(got).toEqual({ id: "evt-9", name: "order/paid", data: { amount: 30 }, ts: 1_700_000_000_123 });
  });

  it("resolves with null on timeout", async () => {
    let got: unknown = "unset";
    const { ops } = await executeHandler(
      async ({ step }) => {
        got = await step.waitForEvent("w", { event: "order/paid", timeout: "1h" });
        return got;
      },
      { memo: [hit("w", null)] },
    );
    expect(got).toBeNull();
    expect(ops[0].code).toBe(OpCode.RUN_COMPLETE);
  });

  it.each([
    ["no timeout", { event: "e" }, "invalid_wait", /timeout/],
    ["no event", { timeout: "1h" }, "invalid_wait", /event/],
    ["both match and if", { event: "e", timeout: "1h", match: "data.id", if: "true" }, "invalid_wait", /either `match` or `if`/],
    ["a bad timeout", { event: "e", timeout: "later" }, "invalid_duration", /"later"/],
    ["a timeout over a year", { event: "e", timeout: "366d" }, "wait_too_long", /365 days/],
  ])("fails without retries for %s", async (_label, options, code, message) => {
    let caught: any;
    const { ops } = await executeHandler(async ({ step }) => {
      try {
        await step.waitForEvent("w", options as never);
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code, message: expect.stringMatching(message) });
    expect(caught.message).toContain('step.waitForEvent("w")');
    expect(ops).toMatchObject([{ code: OpCode.RUN_ERROR, noRetry: true }]);
  });

  it("is typed as the event or null", () => {
    void (async ({ step }: import("../function/types.js").HandlerContext) => {
      expectTypeOf(await step.waitForEvent("a", { event: "e", timeout: "1h" })).toEqualTypeOf<TenaxEvent | null>();
      expectTypeOf(await step.waitForEvent<{ n: number }>("b", { event: "e", timeout: "1h" })).toEqualTypeOf<TenaxEvent<{ n: number }> | null>();
    });
    // @ts-expect-error match and if are mutually exclusive
    const bad: import("./wait-for-event.js").WaitForEventOptions = { event: "e", timeout: "1h", match: "a", if: "b" };
    void bad;
  });
});
