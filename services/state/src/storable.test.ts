import { describe, expect, it } from "vitest";
import { findUnstorable, isDataException, jsonbSafeText, mayHoldUnstorable, replaceUnstorable, unstorableReason } from "./storable.js";

const lone = "😀".slice(0, 1);

describe("storable values", () => {
  it("names NUL and lone surrogates; well-formed pairs and ordinary text pass", () => {
    expect(unstorableReason("a\0b")).toMatch(/NUL/);
    expect(unstorableReason(`x${lone}`)).toMatch(/lone UTF-16 surrogate/);
    expect(unstorableReason("😀".slice(1))).toMatch(/lone/);
    expect(unstorableReason("ok 😀 é")).toBeNull();
  });

  it("finds the first bad string or key with its path", () => {
    expect(findUnstorable({ a: [1, { b: "x\0" }] }, "data")).toEqual({ path: "data.a[1].b", reason: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ [`k${lone}`]: 1 }, "user")!.path).toMatch(/^user key /);
    expect(findUnstorable({ a: [null, 1, true, "ok"] }, "data")).toBeNull();
  });

  it("the quick test on JSON text never misses what JSON.stringify escapes", () => {
    expect(mayHoldUnstorable(JSON.stringify({ s: "a\0b" }))).toBe(true);
    expect(mayHoldUnstorable(JSON.stringify([lone]))).toBe(true);
    expect(mayHoldUnstorable(JSON.stringify({ s: "😀 plain" }))).toBe(false);
  });

  it("jsonbSafeText keeps castable text as is and replaces what jsonb refuses", () => {
    const ok = '{"s":"😀","b":"\\\\u0000"}'; // an escaped backslash before u0000 is plain text
    expect(jsonbSafeText(ok)).toBe(ok);
    expect(JSON.parse(jsonbSafeText(JSON.stringify({ s: "a\0b", [lone]: lone })))).toEqual({ s: "a\ufffdb", "\ufffd": "\ufffd" });
    expect(replaceUnstorable(["x\0", 1])).toEqual(["x\ufffd", 1]);
  });

  it("data exceptions (SQLSTATE 22xxx) are told from other failures", () => {
    expect(isDataException({ code: "22P05" })).toBe(true);
    expect(isDataException({ code: "40001" })).toBe(false);
    expect(isDataException(new Error("ECONNRESET"))).toBe(false);
  });
});
