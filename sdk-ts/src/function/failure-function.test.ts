import { create, toJson } from "@bufbuild/protobuf";
import { ErrorInfoSchema, OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import { NonRetriableError } from "../errors/non-retriable-error.js";
import { serializeError } from "../errors/serialize.js";
import { StepError } from "../errors/step-error.js";
import type { TenaxEvent } from "../event/types.js";
import { executeHandler, text } from "../internal-testing/execute-handler.js";
import { celString } from "./cel-string.js";
import { failureTrigger, withFailureFunctions } from "./failure-function.js";
import type { FailureContext } from "./types.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const tenax = new Tenax({ id: "shop", logger: quiet });

/** The event the services emit for a failed run of `process-order`. */
function failedEvent(error: unknown, extra: Record<string, unknown> = {}): TenaxEvent {
  return {
    id: "sys-1",
    name: "tenax/function.failed",
    ts: 2,
    data: {
      function_id: "process-order",
      app_id: "shop",
      run_id: "run-failed",
      event: { id: "evt-1", name: "order/created", data: { orderId: "o1" }, user: {}, ts: "1700000000123", v: "" },
      error: toJson(ErrorInfoSchema, create(ErrorInfoSchema, serializeError(error))),
      ...extra,
    },
  };
}

describe("onFailure", () => {
  it("adds a companion function <id>-failure triggered by the parent's tenax/function.failed events", () => {
    const fn = tenax.createFunction({ id: "process-order", name: "Process order", retries: 2, onFailure: () => {} }, { event: "order/created" }, () => null);
    expect(fn.config.hasOnFailure).toBe(true);
    const failure = fn.failureFunction!;
    expect(failure).toMatchObject({ id: "process-order-failure", appId: "shop" });
    expect(failure.config).toMatchObject({ id: "process-order-failure", name: "Process order (failure handler)", retries: 2, hasOnFailure: false });
    expect(failure.config.triggers.map((t) => t.kind)).toEqual([
      expect.objectContaining({
        case: "event",
        value: expect.objectContaining({
          event: "tenax/function.failed",
          expression: 'event.data.function_id == "process-order" && event.data.app_id == "shop"',
        }),
      }),
    ]);
  });

  it("keeps the default retries and name when the parent has none", () => {
    const fn = tenax.createFunction({ id: "f", onFailure: () => {} }, { event: "e" }, () => null);
    expect(fn.failureFunction!.config).toMatchObject({ name: "f (failure handler)" });
    expect(fn.failureFunction!.config.retries).toBeUndefined();
  });

  it("adds nothing without onFailure, and rejects an onFailure that is no function", () => {
    const fn = tenax.createFunction({ id: "f" }, { event: "e" }, () => null);
    expect(fn.failureFunction).toBeUndefined();
    expect(fn.config.hasOnFailure).toBe(false);
    expect(() => tenax.createFunction({ id: "f", onFailure: "nope" as never }, { event: "e" }, () => null)).toThrowError(
      expect.objectContaining({ code: "invalid_config", message: expect.stringMatching(/function "f": onFailure/) }),
    );
  });

  it("escapes ids in the CEL string literals", () => {
    expect(celString('a"b\\c\nd\u0001')).toBe('"a\\"b\\\\c\\nd\\u0001"');
    expect(failureTrigger('we"ird', "app\\1").if).toBe('event.data.function_id == "we\\"ird" && event.data.app_id == "app\\\\1"');
    expect(failureTrigger("f").if).toBe('event.data.function_id == "f"');
  });

  it("runs onFailure with the original event, the deserialized error and the failure run's context", async () => {
    let seen: FailureContext | undefined;
    const fn = tenax.createFunction(
      {
        id: "process-order",
        onFailure: async (ctx) => {
          seen = ctx;
          return ctx.step.run("notify", () => `order ${ctx.event.data.orderId}: ${ctx.error.message}`);
        },
      },
      { event: "order/created" },
      () => null,
    );
    const cause = Object.assign(new TypeError("card declined"), { status: 402 });
    const error = new StepError("card declined", { stepId: "charge", cause });
    const event = failedEvent(error);
    const { ops } = await executeHandler(fn.failureFunction!.handler, {
      runId: "run-failure",
      functionId: "process-order-failure",
      attempt: 1,
      event,
      events: [event],
    });

    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "notify" });
    expect(JSON.parse(text(ops[0].data))).toBe("order o1: card declined");
    expect(seen!.event).toEqual({ id: "evt-1", name: "order/created", data: { orderId: "o1" }, ts: 1_700_000_000_123 });
    expect(seen!.error).toBeInstanceOf(Error);
    expect(seen!.error).toMatchObject({ name: "StepError", message: "card declined", stepId: "charge", code: "step_failed" });
    expect(seen!.error.stack).toBe(error.stack);
    expect(seen!.error.cause).toMatchObject({ name: "TypeError", message: "card declined", status: 402 });
    expect(seen).toMatchObject({ runId: "run-failure", failedRunId: "run-failed", attempt: 1 });
    expect(typeof seen!.logger.info).toBe("function");
  });

  it("still gets an Error when the failed event carries none", async () => {
    let error: Error | undefined;
    const fn = tenax.createFunction({ id: "f", onFailure: (ctx) => void (error = ctx.error) }, { event: "e" }, () => null);
    const event = failedEvent(new Error("x"), { error: undefined });
    await executeHandler(fn.failureFunction!.handler, { event, events: [event] });
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain("run-failed");
  });

  it("keeps a NonRetriableError's name and a thrown string's text", async () => {
    const errors: Error[] = [];
    const fn = tenax.createFunction({ id: "f", onFailure: (ctx) => void errors.push(ctx.error) }, { event: "e" }, () => null);
    for (const thrown of [new NonRetriableError("stop", { cause: new Error("root") }), "a plain string"]) {
      const event = failedEvent(thrown);
      await executeHandler(fn.failureFunction!.handler, { event, events: [event] });
    }
    expect(errors[0]).toMatchObject({ name: "NonRetriableError", message: "stop", cause: { message: "root" } });
    expect(errors[1]).toMatchObject({ name: "NonErrorThrown", message: "a plain string" });
  });
});

describe("withFailureFunctions", () => {
  it("adds each failure function after its parent, once", () => {
    const a = tenax.createFunction({ id: "a", onFailure: () => {} }, { event: "e" }, () => null);
    const b = tenax.createFunction({ id: "b" }, { event: "e" }, () => null);
    expect(withFailureFunctions([a, b]).map((f) => f.id)).toEqual(["a", "a-failure", "b"]);
    expect(withFailureFunctions([a.failureFunction!, a]).map((f) => f.id)).toEqual(["a-failure", "a"]);
  });
});
