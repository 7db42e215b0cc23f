import { ErrorReason, ReasonError } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { compileExpression, matchesExpression, toEventJson, waitMatches } from "./index.js";

const candidate = (data: Record<string, unknown>) => toEventJson({ id: "e2", name: "order/paid", data, user: null, ts: 2, v: "" });

describe("@tenax/match", () => {
  it("compiles an expression once and quotes one that does not parse", () => {
    expect(compileExpression("event.data.x > 1")).toBe(compileExpression("event.data.x > 1"));
    const err = (() => {
      try {
        compileExpression("async.data.(");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ReasonError);
    expect((err as ReasonError).reason).toBe(ErrorReason.INVALID_EXPRESSION);
    expect((err as Error).message).toContain('"async.data.("');
  });

  it("an empty filter matches; an evaluation error or a non-true value does not", () => {
    expect(matchesExpression("", {})).toBe(true);
    expect(matchesExpression("event.data.amount > 100", { event: { data: { amount: 150 } } })).toBe(true);
    expect(matchesExpression("event.data.amount > 100", { event: { data: {} } })).toBe(false);
    expect(matchesExpression("event.data.amount", { event: { data: { amount: 1 } } })).toBe(false);
  });

  it("toEventJson fills user with {}", () => {
    expect(candidate({ a: 1 })).toEqual({ id: "e2", name: "order/paid", data: { a: 1 }, user: {}, ts: 2, v: "" });
  });

  it("waitMatches: match is a field present and equal on both; expression over event and async", () => {
    const triggerEvent = { data: { orderId: "o1", min: 10 } };
    expect(waitMatches({ match: "data.orderId", expression: "", triggerEvent }, candidate({ orderId: "o1" }))).toBe(true);
    expect(waitMatches({ match: "event.data.orderId", expression: "", triggerEvent }, candidate({ orderId: "o1" }))).toBe(true);
    expect(waitMatches({ match: "data.orderId", expression: "", triggerEvent }, candidate({ orderId: "o2" }))).toBe(false);
    expect(waitMatches({ match: "data.missing", expression: "", triggerEvent }, candidate({}))).toBe(false);
    const expression = "async.data.amount > event.data.min";
    expect(waitMatches({ match: "", expression, triggerEvent }, candidate({ amount: 11 }))).toBe(true);
    expect(waitMatches({ match: "", expression, triggerEvent }, candidate({ amount: 9 }))).toBe(false);
    expect(waitMatches({ match: "", expression, triggerEvent: null }, candidate({ amount: 9 }))).toBe(false);
  });
});
