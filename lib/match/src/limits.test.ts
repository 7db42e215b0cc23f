import { ErrorReason, ReasonError } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { compiledExpressionCount, compileExpression, expressionLimits, matchesExpression } from "./index.js";

const refusal = (expr: string) => {
  try {
    compileExpression(expr);
  } catch (e) {
    return e as ReasonError;
  }
  throw new Error(`${expr.slice(0, 40)}… compiled`);
};

describe("what an expression may cost", () => {
  it("matches() runs in linear time (RE2): a pattern that backtracks exponentially in JavaScript answers at once", () => {
    // JavaScript's RegExp takes 2^32 steps here (minutes); RE2 a few hundred.
    const evil = 'event.data.s.matches("^(a+)+$")';
    expect(matchesExpression(evil, { event: { data: { s: `${"a".repeat(32)}!` } } })).toBe(false);
    expect(matchesExpression(evil, { event: { data: { s: "a".repeat(32) } } })).toBe(true);
    expect(matchesExpression('event.data.s.matches("^ord_[0-9]+$")', { event: { data: { s: "ord_42" } } })).toBe(true);
  });

  it("matches() speaks RE2: a backreference (no RE2 syntax) is an evaluation error, so no match", () => {
    expect(matchesExpression('event.data.s.matches("(a)\\\\1")', { event: { data: { s: "aa" } } })).toBe(false);
    expect(new RegExp("(a)\\1").test("aa")).toBe(true); // what JavaScript would have said
  });

  it("refuses an expression over the size limits, naming the limit", () => {
    const long = refusal(`event.data.x == "${"y".repeat(expressionLimits.maxChars)}"`);
    expect(long.reason).toBe(ErrorReason.INVALID_EXPRESSION);
    expect(long.message).toContain(`the limit is ${expressionLimits.maxChars}`);
    const wide = refusal(Array.from({ length: expressionLimits.maxAstNodes / 2 }, () => "1==1").join("||"));
    expect(wide.reason).toBe(ErrorReason.INVALID_EXPRESSION);
    expect(wide.message).toContain("maxAstNodes");
    const deep = refusal(`${"(".repeat(expressionLimits.maxDepth + 1)}1${")".repeat(expressionLimits.maxDepth + 1)} == 1`);
    expect(deep.message).toContain("maxDepth");
    // One comprehension is linear in the list; one inside another would be quadratic.
    expect(matchesExpression("event.data.l.exists(x, x == 2)", { event: { data: { l: [1, 2] } } })).toBe(true);
    const nested = refusal("event.data.l.all(x, event.data.l.exists(y, x == y))");
    expect(nested.reason).toBe(ErrorReason.INVALID_EXPRESSION);
    expect(nested.message).toContain("a exists() inside another comprehension");
  });

  it("keeps a bounded number of compiled expressions", () => {
    for (let i = 0; i < expressionLimits.cacheEntries + 50; i++) compileExpression(`event.data.n == ${i}`);
    expect(compiledExpressionCount()).toBe(expressionLimits.cacheEntries);
    // The most recent is still cached; the oldest was dropped and compiles anew.
    const last = `event.data.n == ${expressionLimits.cacheEntries + 49}`;
    expect(compileExpression(last)).toBe(compileExpression(last));
  });
});
