import { ErrorCode, ErrorReason } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { isNonRetriableError, isRetryAfterError, isStepError } from "./guards.js";
import { NonRetriableError } from "./non-retriable-error.js";
import { RetryAfterError } from "./retry-after-error.js";
import { deserializeError, serializeError } from "./serialize.js";
import { StepError } from "./step-error.js";
import { TenaxError } from "./tenax-error.js";

describe("serializeError / deserializeError", () => {
  it("keeps name, message, stack, cause chain and own properties", () => {
    const root = new RangeError("too far");
    const err = Object.assign(new Error("outer", { cause: root }), { status: 503, fn: () => 1 });
    const info = serializeError(err);
    expect(info).toMatchObject({ code: ErrorCode.USER, name: "Error", message: "outer", cause: { name: "RangeError", message: "too far" } });
    expect(info.stack).toContain("outer");
    expect(JSON.parse(new TextDecoder().decode(info.propertiesJson))).toEqual({ status: 503 });

    const back = deserializeError(info) as Error & { status?: number };
    expect(back).toBeInstanceOf(Error);
    expect(back).toMatchObject({ name: "Error", message: "outer", status: 503 });
    expect(back.stack).toBe(info.stack);
    expect(back.cause).toMatchObject({ name: "RangeError", message: "too far" });
  });

  it("wraps values that are not errors", () => {
    expect(serializeError("boom")).toMatchObject({ code: ErrorCode.NON_ERROR_THROWN, name: "NonErrorThrown", message: "boom" });
    expect(serializeError(42).message).toBe("42");
    expect(serializeError(undefined).message).toBe("undefined");
  });

  it("maps SDK error codes onto the contract's codes", () => {
    expect(serializeError(new StepError("x", { stepId: "a" })).code).toBe(ErrorCode.STEP_FAILED);
    expect(serializeError(new NonRetriableError("x")).code).toBe(ErrorCode.USER);
    expect(serializeError(new TenaxError("internal", "x")).code).toBe(ErrorCode.INTERNAL);
  });

  it("classifies user errors as USER whatever their own code", () => {
    const err = Object.assign(new Error("db"), { code: "internal" });
    expect(serializeError(err)).toMatchObject({ code: ErrorCode.USER, message: "db" });
    expect(JSON.parse(new TextDecoder().decode(serializeError(err).propertiesJson))).toEqual({ code: "internal" });
  });

  it("keeps the cause and own properties of the SDK errors", () => {
    const info = serializeError(new NonRetriableError("stop", { cause: "root cause" }));
    expect(info).toMatchObject({ name: "NonRetriableError", message: "stop", cause: { code: ErrorCode.NON_ERROR_THROWN, message: "root cause" } });
    expect(JSON.parse(new TextDecoder().decode(info.propertiesJson))).toEqual({ code: "non_retriable" });
    const step = deserializeError(serializeError(new StepError("gave up", { stepId: "charge", cause: new Error("503") })));
    expect(step).toMatchObject({ name: "StepError", message: "gave up", stepId: "charge", cause: { message: "503" } });
  });

  it("sets the reason of errors the SDK raises, never of user errors", () => {
    expect(serializeError(new TenaxError("invalid_step", "x")).reason).toBe(ErrorReason.INVALID_STEP);
    expect(serializeError(new NonRetriableError("x", { code: "invalid_duration" })).reason).toBe(ErrorReason.INVALID_DURATION);
    expect(serializeError(new TenaxError("output_not_serializable", "x")).reason).toBe(ErrorReason.OUTPUT_NOT_SERIALIZABLE);
    // The classes users throw, and codes outside the contract's list, have none.
    expect(serializeError(new NonRetriableError("x")).reason).toBe(ErrorReason.UNSPECIFIED);
    expect(serializeError(new RetryAfterError("x", 1)).reason).toBe(ErrorReason.UNSPECIFIED);
    expect(serializeError(new TenaxError("my_code", "x")).reason).toBe(ErrorReason.UNSPECIFIED);
    expect(serializeError(Object.assign(new Error("db"), { code: "invalid_event", reason: "sleep_too_long" })).reason).toBe(ErrorReason.UNSPECIFIED);
    expect(serializeError("boom").reason).toBe(ErrorReason.UNSPECIFIED);
    // A StepError has its step's reason: none for a user error, the executor's otherwise.
    expect(serializeError(new StepError("x", { stepId: "a" })).reason).toBe(ErrorReason.UNSPECIFIED);
    const tooLong = new StepError('[sleep_too_long] step "a": …', { stepId: "a", reason: "sleep_too_long" });
    expect(tooLong.reason).toBe("sleep_too_long");
    expect(serializeError(tooLong)).toMatchObject({ code: ErrorCode.STEP_FAILED, reason: ErrorReason.SLEEP_TOO_LONG });
    expect(new StepError("x", { stepId: "a" })).not.toHaveProperty("reason");
  });

  it("gives a rebuilt error the slug of its reason, and round-trips it", () => {
    const back = deserializeError({ name: "StepError", message: "[wait_too_long] …", reason: ErrorReason.WAIT_TOO_LONG });
    expect(back).toMatchObject({ name: "StepError", reason: "wait_too_long" });
    expect(serializeError(back).reason).toBe(ErrorReason.WAIT_TOO_LONG);
    expect(deserializeError({ message: "user" })).not.toHaveProperty("reason");
    expect(deserializeError({ message: "newer", reason: 9999 as ErrorReason })).not.toHaveProperty("reason");
    const user = deserializeError(serializeError(Object.assign(new Error("mine"), { reason: "quota" })));
    expect(user).toMatchObject({ reason: "quota" });
  });

  it("survives cause cycles", () => {
    const err = new Error("loop") as Error & { cause?: unknown };
    err.cause = err;
    expect(() => serializeError(err)).not.toThrow();
  });

  it("recognises SDK errors by name, also after a round trip", () => {
    const retry = new RetryAfterError("later", 1000);
    for (const [err, guard] of [
      [new NonRetriableError("x"), isNonRetriableError],
      [retry, isRetryAfterError],
      [new StepError("x", { stepId: "a" }), isStepError],
    ] as const) {
      expect(guard(err)).toBe(true);
      expect(guard(deserializeError(serializeError(err)))).toBe(true);
      expect(guard(new Error("x"))).toBe(false);
    }
    expect((deserializeError(serializeError(retry)) as any).retryAt).toBe(retry.retryAt.toISOString());
  });
});

describe("RetryAfterError", () => {
  it("computes an absolute retryAt", () => {
    const now = Date.now();
    expect(new RetryAfterError("x", 5000).retryAt.getTime()).toBeGreaterThanOrEqual(now + 5000);
    expect(new RetryAfterError("x", "1m").retryAt.getTime()).toBeGreaterThanOrEqual(now + 60_000);
    expect(new RetryAfterError("x", "2030-01-01T00:00:00Z").retryAt.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    const date = new Date(now + 1234);
    expect(new RetryAfterError("x", date).retryAt.getTime()).toBe(date.getTime());
    expect(new RetryAfterError("x", 1).code).toBe("retry_after");
    const cause = new Error("429");
    expect(new RetryAfterError("x", "30s", { cause }).cause).toBe(cause);
  });

  it("rejects an unreadable retryAfter", () => {
    expect(() => new RetryAfterError("x", "soon")).toThrowError(expect.objectContaining({ code: "invalid_retry_after" }));
  });
});
