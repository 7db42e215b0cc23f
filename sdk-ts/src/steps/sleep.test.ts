import { ErrorReason, OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { executeHandler, hit, NOW, sha1 } from "../internal-testing/execute-handler.js";

describe("step.sleep", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["500ms", 500],
    [1234, 1234],
  ] as const)("emits SLEEP until now + %s", async (duration, ms) => {
    const { ops } = await executeHandler(async ({ step }) => step.sleep("nap", duration));
    expect(ops).toEqual([
      {
        code: OpCode.SLEEP,
        stepId: sha1("nap"),
        userId: "nap",
        name: "nap",
        stepType: "step.sleep",
        opts: { case: "sleep", value: { untilMs: BigInt(NOW + ms) } },
      },
    ]);
  });

  it("resolves a finished sleep (memo null) with undefined and goes on", async () => {
    let slept: unknown = "unset";
    const { ops } = await executeHandler(
      async ({ step }) => {
        slept = await step.sleep("nap", "1h");
        return "awake";
      },
      { memo: [hit("nap", null)] },
    );
    expect(slept).toBeUndefined();
    expect(ops).toMatchObject([{ code: OpCode.RUN_COMPLETE }]);
  });

  it("also treats an empty memo entry as a finished sleep", async () => {
    let slept: unknown = "unset";
    await executeHandler(
      async ({ step }) => {
        slept = await step.sleep("nap", "1h");
      },
      { memo: [{ stepId: sha1("nap"), data: new Uint8Array() }] },
    );
    expect(slept).toBeUndefined();
  });

  it("allows 365 days and rejects more with sleep_too_long, failing the run without retries", async () => {
    const { ops: ok } = await executeHandler(async ({ step }) => step.sleep("long", "365d"));
    expect(ok[0]).toMatchObject({ code: OpCode.SLEEP, opts: { value: { untilMs: BigInt(NOW + 365 * 86_400_000) } } });

    let caught: any;
    const { ops } = await executeHandler(async ({ step }) => {
      try {
        await step.sleep("too-long", "366d");
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code: "sleep_too_long" });
    expect(caught.message).toContain('step.sleep("too-long")');
    expect(caught.message).toContain("365 days");
    expect(ops).toMatchObject([{ code: OpCode.RUN_ERROR, noRetry: true, error: { name: "NonRetriableError" } }]);
    // An error the SDK raises itself carries its reason as data.
    expect(ops[0]!.error!.reason).toBe(ErrorReason.SLEEP_TOO_LONG);
  });

  it("rejects a malformed duration with invalid_duration", async () => {
    let caught: any;
    await executeHandler(async ({ step }) => {
      try {
        await step.sleep("nap", "soon" as never);
      } catch (err) {
        caught = err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code: "invalid_duration", message: expect.stringContaining('"soon"') });
  });
});
