import { create, toBinary } from "@bufbuild/protobuf";
import { limits } from "@tenax/engine";
import { ErrorInfoSchema, MemoEntrySchema, type ErrorInfo } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { memoBytes } from "./memo.js";
import { boundedError, storableError } from "./storable-result.js";

const size = (e: ErrorInfo) => toBinary(ErrorInfoSchema, e).length;

describe("stored errors are bounded", () => {
  it("an error under the limit is stored as it is", () => {
    const e = create(ErrorInfoSchema, { name: "Error", message: "card declined", stack: "Error: card declined\n    at charge" });
    expect(boundedError(e)).toBe(e);
  });

  it("a huge message and stack are cut to fit, with a note; the name and the start are kept", () => {
    const e = create(ErrorInfoSchema, { name: "RangeError", message: `boom ${"m".repeat(1 << 20)}`, stack: "s".repeat(1 << 20) });
    const cut = storableError(e);
    expect(size(cut)).toBeLessThanOrEqual(limits.errorMaxBytes);
    expect(cut.name).toBe("RangeError");
    expect(cut.message.startsWith("boom mmm")).toBe(true);
    expect(cut.message).toMatch(/\[error_too_large: this error was \d+ bytes; it was cut to fit 65536\]$/);
  });

  it("a deep cause chain is cut to fit", () => {
    let e = create(ErrorInfoSchema, { name: "Error", message: "root" });
    for (let i = 0; i < 300; i++) e = create(ErrorInfoSchema, { name: "Error", message: `level ${i} ${"x".repeat(300)}`, cause: e });
    const cut = boundedError(e);
    expect(size(cut)).toBeLessThanOrEqual(limits.errorMaxBytes);
    expect(cut.message).toContain("level 299");
    let depth = 0;
    for (let c = cut.cause; c; c = c.cause) depth++;
    expect(depth).toBeLessThanOrEqual(4);
  });

  it("a stored error counts toward the run state", () => {
    const error = create(ErrorInfoSchema, { name: "Error", message: "e".repeat(1000) });
    expect(memoBytes(create(MemoEntrySchema, { stepId: "a", result: { case: "error", value: error } }))).toBeGreaterThan(1000);
  });
});
