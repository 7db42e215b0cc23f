import { describe, expect, it } from "vitest";
import { fromEventJson } from "./from-event-json.js";

describe("fromEventJson", () => {
  it("normalises an event in JSON form like a triggering event", () => {
    expect(fromEventJson({ id: "e1", name: "order/created", data: { a: 1 }, user: {}, ts: "1700000000123", v: "" })).toEqual({
      id: "e1",
      name: "order/created",
      data: { a: 1 },
      ts: 1_700_000_000_123,
    });
    expect(fromEventJson({ id: "e2", name: "n", user: { id: "u" }, ts: 5, v: "2" })).toEqual({
      id: "e2",
      name: "n",
      data: {},
      user: { id: "u" },
      ts: 5,
      v: "2",
    });
  });

  it("never throws", () => {
    expect(fromEventJson(undefined)).toEqual({ id: "", name: "", data: {}, ts: 0 });
    expect(fromEventJson({ data: [1], ts: "soon" })).toEqual({ id: "", name: "", data: {}, ts: 0 });
  });
});
