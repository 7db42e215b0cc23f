import { describe, expect, it } from "vitest";
import type { EventRow, TriggerMatchRow } from "@tenax/state";
import { matchTriggers } from "./match-triggers.js";

const event = (seq: number, name: string, data: Record<string, unknown>): EventRow => ({
  seq,
  id: `e${seq}`,
  name,
  data,
  user: null,
  ts: 0,
  v: "",
  receivedAtMs: 0,
});
const trigger = (functionId: string, eventName: string, expression = ""): TriggerMatchRow => ({
  appId: "app",
  functionId,
  version: 1,
  eventName,
  expression,
  config: {},
});

describe("matchTriggers", () => {
  it("starts one run per matching function and event", () => {
    const starts = matchTriggers([event(1, "a", {}), event(2, "b", {})], [trigger("f", "a"), trigger("g", "a"), trigger("h", "c")]);
    expect(starts.map((s) => `${s.start.functionId}:${s.start.eventIds[0]}`)).toEqual(["f:e1", "g:e1"]);
    expect(starts[0]!.start).toMatchObject({ appId: "app", functionVersion: 1, eventSeqs: [1] });
  });

  it("applies if filters; an evaluation error (missing field) means no match", () => {
    const t = [trigger("big", "order", "event.data.amount > 100")];
    const starts = matchTriggers([event(1, "order", { amount: 150 }), event(2, "order", { amount: 5 }), event(3, "order", {})], t);
    expect(starts.map((s) => s.start.eventSeqs[0])).toEqual([1]);
  });

  it("starts a function once per event even when two of its triggers match", () => {
    const starts = matchTriggers([event(1, "a", { x: 1 })], [trigger("f", "a"), trigger("f", "a", "event.data.x == 1")]);
    expect(starts).toHaveLength(1);
  });
});
