import { ErrorCode, ErrorReason, OpCode } from "@tenax/proto";
import { describe, expect, expectTypeOf, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import { NonRetriableError } from "../errors/non-retriable-error.js";
import { executeHandler, failed, hit, NOW, sha1, text } from "../internal-testing/execute-handler.js";

const shop = new Tenax({ id: "shop", logger: { debug() {}, info() {}, warn() {}, error() {} } });
const billing = new Tenax({ id: "billing", logger: { debug() {}, info() {}, warn() {}, error() {} } });
const report = shop.createFunction({ id: "generate-report" }, { event: "report/generate" }, async ({ event }: { event: { data: { userId: string } } }) => ({
  userId: event.data.userId,
  at: new Date(0),
}));
const charge = billing.createFunction({ id: "charge" }, { event: "billing/charge" }, () => "ch_1");

describe("step.invoke", () => {
  it("emits INVOKE_FUNCTION for a function of the same app (app_id empty)", async () => {
    const { ops } = await executeHandler(async ({ step }) => step.invoke("make-report", { function: report, data: { userId: "u7" }, timeout: "10m" }));
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({
      code: OpCode.INVOKE_FUNCTION,
      stepId: sha1("make-report"),
      userId: "make-report",
      name: "make-report",
      stepType: "step.invoke",
    });
    expect(ops[0].opts).toMatchObject({
      case: "invoke",
      value: { functionId: "generate-report", appId: "", timeoutAtMs: BigInt(NOW + 600_000) },
    });
    const value = ops[0].opts?.case === "invoke" ? ops[0].opts.value : undefined;
    expect(JSON.parse(text(value?.dataJson))).toEqual({ userId: "u7" });
  });

  it("sets app_id for a function of another app, and defaults data to {} and the timeout to none", async () => {
    const { ops } = await executeHandler(async ({ step }) => step.invoke("pay", { function: charge }));
    const value = ops[0].opts?.case === "invoke" ? ops[0].opts.value : undefined;
    expect(value).toMatchObject({ functionId: "charge", appId: "billing", timeoutAtMs: 0n });
    expect(text(value?.dataJson)).toBe("{}");
  });

  it("accepts a function id of this app", async () => {
    const { ops } = await executeHandler(async ({ step }) => step.invoke("x", { function: "cleanup", data: { all: true } }));
    expect(ops[0].opts).toMatchObject({ case: "invoke", value: { functionId: "cleanup", appId: "" } });
  });

  it("resolves with the child's memoized return value", async () => {
    let result: unknown;
    const { ops } = await executeHandler(
      async ({ step }) => {
        result = await step.invoke("make-report", { function: report, data: { userId: "u7" } });
        return result;
      },
      { memo: [hit("make-report", { userId: "u7", at: "1970-01-01T00:00:00.000Z" })] },
    );
    expect(result).toEqual({ userId: "u7", at: "1970-01-01T00:00:00.000Z" });
    expect(ops[0].code).toBe(OpCode.RUN_COMPLETE);
  });

  it.each([
    ["the child failed", new NonRetriableError("the child gave up")],
    ["the function was not found", Object.assign(new Error('[function_not_found] function "nope" not found'), { name: "FunctionNotFound" })],
    ["it timed out", Object.assign(new Error("[timeout] invoked function did not finish in time"), { name: "InvokeTimeout" })],
  ])("rejects with a catchable StepError when %s", async (_label, error) => {
    let caught: any;
    await executeHandler(
      async ({ step }) => {
        try {
          await step.invoke("call", { function: "nope" });
        } catch (err) {
          caught = err;
        }
      },
      { memo: [failed("call", error)] },
    );
    expect(caught).toMatchObject({ name: "StepError", code: "step_failed", stepId: "call", message: error.message });
    expect(caught.cause).toMatchObject({ name: error.name, message: error.message });
    // Errors of user code (or written without a reason) have none, whatever their text says.
    expect(caught.reason).toBeUndefined();
  });

  it("exposes the reason of a step the executor failed on the StepError, and on an escaped one's RUN_ERROR", async () => {
    const message = '[function_not_found] step "call": no function "nope" is registered in app "shop"';
    const memo = [{ stepId: sha1("call"), error: { code: ErrorCode.USER, reason: ErrorReason.FUNCTION_NOT_FOUND, name: "StepError", message } }];
    let caught: any;
    await executeHandler(
      async ({ step }) => {
        try {
          await step.invoke("call", { function: "nope" });
        } catch (err) {
          caught = err;
        }
      },
      { memo },
    );
    expect(caught).toMatchObject({ name: "StepError", code: "step_failed", stepId: "call", reason: "function_not_found", message });
    expect(caught.cause).toMatchObject({ name: "StepError", reason: "function_not_found", message });
    const { ops } = await executeHandler(async ({ step }) => step.invoke("call", { function: "nope" }), { memo });
    expect(ops).toMatchObject([
      { code: OpCode.RUN_ERROR, noRetry: true, error: { code: ErrorCode.STEP_FAILED, reason: ErrorReason.FUNCTION_NOT_FOUND, message } },
    ]);
  });

  it.each([
    ["no function", { data: {} }, "invalid_invoke"],
    ["an empty function id", { function: "" }, "invalid_invoke"],
    ["data that is not an object", { function: "f", data: [1, 2] }, "invalid_invoke"],
    ["data that is not JSON", { function: "f", data: { n: 1n } }, "invalid_invoke"],
    ["a bad timeout", { function: "f", timeout: "eventually" }, "invalid_duration"],
  ])("fails without retries for %s", async (_label, options, code) => {
    let caught: any;
    const { ops } = await executeHandler(async ({ step }) => {
      try {
        await step.invoke("call", options as never);
      } catch (err) {
        caught = err;
        throw err;
      }
    });
    expect(caught).toMatchObject({ name: "NonRetriableError", code, message: expect.stringContaining('step.invoke("call")') });
    expect(ops).toMatchObject([{ code: OpCode.RUN_ERROR, noRetry: true }]);
    expect(ops[0]!.error!.reason).toBe(code === "invalid_invoke" ? ErrorReason.INVALID_INVOKE : ErrorReason.INVALID_DURATION);
  });

  it("types the result from the invoked handler", () => {
    void (async ({ step }: import("../function/types.js").HandlerContext) => {
      expectTypeOf(await step.invoke("a", { function: report, data: { userId: "u" } })).toEqualTypeOf<{ userId: string; at: string }>();
      expectTypeOf(await step.invoke("b", { function: charge })).toEqualTypeOf<string>();
      expectTypeOf(await step.invoke("c", { function: "by-id" })).toEqualTypeOf<unknown>();
      // @ts-expect-error data must match the invoked function's event data
      await step.invoke("d", { function: report, data: { userId: 1 } });
    });
  });
});
