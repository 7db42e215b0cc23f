import { OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { executeHandler, hit, NOW, sha1 } from "../internal-testing/execute-handler.js";

const at = Date.UTC(2024, 0, 1, 12); // after NOW (2023-11-14)

describe("step.sleepUntil", () => {
  it.each([
    ["a Date", new Date(at)],
    ["an ISO string", new Date(at).toISOString()],
    ["ms since the epoch", at],
  ])("emits SLEEP until %s", async (_label, input) => {
    const { ops } = await executeHandler(async ({ step }) => step.sleepUntil("due", input));
    expect(ops).toEqual([
      {
        code: OpCode.SLEEP,
        stepId: sha1("due"),
        userId: "due",
        name: "due",
        stepType: "step.sleepUntil",
        opts: { case: "sleep", value: { untilMs: BigInt(at) } },
      },
    ]);
  });

  it("still emits SLEEP for a time in the past (the executor resolves it at once)", async () => {
    const { ops } = await executeHandler(async ({ step }) => step.sleepUntil("past", NOW - 60_000));
    expect(ops[0]).toMatchObject({ code: OpCode.SLEEP, opts: { case: "sleep", value: { untilMs: BigInt(NOW - 60_000) } } });
  });

  it("resolves with undefined once memoized", async () => {
    let slept: unknown = "unset";
    const { ops } = await executeHandler(
      async ({ step }) => {
        slept = await step.sleepUntil("due", new Date(at));
        return 1;
      },
      { memo: [hit("due", null)] },
    );
    expect(slept).toBeUndefined();
    expect(ops[0].code).toBe(OpCode.RUN_COMPLETE);
  });

  it.each([
    ["Invalid Date", new Date("nope"), "Invalid Date"],
    ["an unparsable string", "next tuesday", '"next tuesday"'],
    ["NaN", Number.NaN, "NaN"],
    ["undefined", undefined, "undefined"],
  ])("fails the run with invalid_date for %s", async (_label, input, shown) => {
    let caught: any;
    const { ops } = await executeHandler(async ({ step }) => {
      try {
        await step.sleepUntil("wait-for-payment", input as never);
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code: "invalid_date" });
    expect(caught.message).toContain('step.sleepUntil("wait-for-payment")');
    expect(caught.message).toContain(shown);
    expect(ops).toMatchObject([{ code: OpCode.RUN_ERROR, noRetry: true, error: { message: caught.message } }]);
  });

  it("rejects a time more than 365 days ahead with sleep_too_long", async () => {
    let caught: any;
    await executeHandler(async ({ step }) => {
      try {
        await step.sleepUntil("far", NOW + 366 * 86_400_000);
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code: "sleep_too_long", message: expect.stringContaining("365 days") });
  });
});
