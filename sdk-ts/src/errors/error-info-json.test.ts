import { create, toJson } from "@bufbuild/protobuf";
import { ErrorCode, ErrorInfoSchema, ErrorReason } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { fromErrorInfoJson } from "./error-info-json.js";
import { deserializeError, serializeError } from "./serialize.js";

describe("fromErrorInfoJson", () => {
  it("reads what toJson(ErrorInfoSchema) writes, for deserializeError", () => {
    const err = Object.assign(new Error("outer", { cause: new RangeError("inner") }), { status: 503 });
    const json = toJson(ErrorInfoSchema, create(ErrorInfoSchema, serializeError(err)));
    expect(json).toMatchObject({ code: "ERROR_CODE_USER", propertiesJson: expect.any(String) });
    const info = fromErrorInfoJson(json)!;
    expect(info).toMatchObject({ code: ErrorCode.USER, name: "Error", message: "outer", cause: { name: "RangeError", message: "inner" } });
    const back = deserializeError(info) as Error & { status?: number };
    expect(back).toMatchObject({ name: "Error", message: "outer", status: 503, stack: err.stack });
    expect(back.cause).toMatchObject({ name: "RangeError", message: "inner" });
  });

  it("reads the reason (an enum name) into what deserializeError turns into a slug", () => {
    const json = toJson(
      ErrorInfoSchema,
      create(ErrorInfoSchema, { code: ErrorCode.TIMEOUT, reason: ErrorReason.INVOKE_TIMEOUT, name: "InvokeTimeoutError", message: "[invoke_timeout] …" }),
    );
    expect(json).toMatchObject({ reason: "ERROR_REASON_INVOKE_TIMEOUT" });
    const info = fromErrorInfoJson(json)!;
    expect(info).toMatchObject({ code: ErrorCode.TIMEOUT, reason: ErrorReason.INVOKE_TIMEOUT });
    expect(deserializeError(info)).toMatchObject({ name: "InvokeTimeoutError", reason: "invoke_timeout" });
  });

  it("is tolerant: proto field names, numeric codes, wrong types dropped", () => {
    const props = Buffer.from(JSON.stringify({ a: 1 })).toString("base64");
    expect(fromErrorInfoJson({ code: 2, message: 5, properties_json: props, cause: "nope" })).toEqual({
      code: ErrorCode.STEP_FAILED,
      propertiesJson: new Uint8Array(Buffer.from(JSON.stringify({ a: 1 }))),
    });
    expect(fromErrorInfoJson({ code: "ERROR_CODE_BOGUS", name: "X" })).toEqual({ name: "X" });
    expect(fromErrorInfoJson({ reason: 1, name: "A" })).toEqual({ reason: ErrorReason.SLEEP_TOO_LONG, name: "A" });
    expect(fromErrorInfoJson({ reason: "ERROR_REASON_BOGUS", name: "A" })).toEqual({ name: "A" });
    expect(fromErrorInfoJson(null)).toBeUndefined();
    expect(fromErrorInfoJson("boom")).toBeUndefined();
  });
});
