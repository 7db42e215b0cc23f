import { describe, expect, it } from "vitest";
import { eventKeyAt, listenerKey, toEventJson, valueKey, waitMatches } from "./index.js";

const triggerEvent = { name: "order/created", data: { orderId: "o1", total: 30, tags: ["a"], nested: { id: 7 } } };
const key = (match: string, expression = "") => listenerKey({ match, expression, triggerEvent });
const candidate = (data: Record<string, unknown>) => toEventJson({ id: "e", name: "order/paid", data, user: null, ts: 1, v: "" });

describe("listenerKey", () => {
  it("match: the field's path and the trigger's value there; a field the trigger lacks can never match", () => {
    expect(key("data.orderId")).toEqual({ kind: "keyed", path: "data.orderId", key: valueKey("o1") });
    expect(key("event.data.nested")).toEqual({ kind: "keyed", path: "data.nested", key: valueKey({ id: 7 }) });
    expect(key("data.missing")).toEqual({ kind: "never", path: "data.missing" });
  });

  it("an if with an async.x == event.y term, in either order and and-ed with more, is keyed on the candidate's field", () => {
    expect(key("", "async.data.ref == event.data.orderId")).toEqual({ kind: "keyed", path: "data.ref", key: valueKey("o1") });
    expect(key("", "event.data.total == async.data.amount && async.data.ok == true")).toEqual({ kind: "keyed", path: "data.amount", key: valueKey(30) });
    expect(key("", "async.data.x > 1 && (async.data.ref == event.data.orderId)")).toMatchObject({ kind: "keyed", path: "data.ref" });
    expect(key("", "async.data.ref == event.data.nope")).toEqual({ kind: "never", path: "data.ref" });
  });

  it("anything else is scanned: no expression, an ||, a comparison that is not an equality, a map or list value", () => {
    expect(key("")).toEqual({ kind: "scan" });
    expect(key("", "async.data.ref == event.data.orderId || async.data.any == true")).toEqual({ kind: "scan" });
    expect(key("", "async.data.amount > event.data.total")).toEqual({ kind: "scan" });
    expect(key("", "async.data.t == event.data.tags")).toEqual({ kind: "scan" });
    expect(key("", "async.data.ref == 'o1'")).toEqual({ kind: "scan" });
  });

  it("a keyed listener's key is the key a matching candidate has at its path (the key never holds back a match)", () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ["data.orderId", "", { orderId: "o1" }],
      ["data.nested", "", { nested: { id: 7 } }],
      ["", "async.data.ref == event.data.orderId", { ref: "o1" }],
      ["", "async.data.amount == event.data.total && async.data.ok", { amount: 30, ok: true }],
    ];
    for (const [match, expression, data] of cases) {
      const k = listenerKey({ match, expression, triggerEvent });
      const c = candidate(data);
      expect(waitMatches({ match, expression, triggerEvent }, c)).toBe(true);
      expect(k.kind === "keyed" && eventKeyAt(c, k.path)).toBe(k.kind === "keyed" && k.key);
    }
    expect(eventKeyAt(candidate({}), "data.orderId")).toBeUndefined();
  });
});
