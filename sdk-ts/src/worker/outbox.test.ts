import { createOutbox } from "@tenax/proto";
import { describe, expect, it } from "vitest";

describe("outbox (the outgoing side of the worker stream)", () => {
  it("delivers in order, whether the reader or the writer comes first, and ends after close", async () => {
    const box = createOutbox<number>();
    const it = box[Symbol.asyncIterator]();
    const early = it.next(); // reader first
    expect(box.push(1)).toBe(true);
    expect(await early).toEqual({ value: 1, done: false });
    for (let i = 2; i <= 1000; i++) box.push(i); // writers first: queued, no await per message
    box.close();
    expect(box.push(1001)).toBe(false);
    const seen: number[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      seen.push(r.value);
    }
    expect(seen).toEqual(Array.from({ length: 999 }, (_, i) => i + 2));
  });

  it("ends a waiting reader on close, and stops delivering when the reader returns", async () => {
    const box = createOutbox<string>();
    const it = box[Symbol.asyncIterator]();
    const waiting = it.next();
    box.close();
    expect(await waiting).toEqual({ value: undefined, done: true });
    const other = createOutbox<string>();
    other.push("a");
    const reader = other[Symbol.asyncIterator]();
    await reader.return!();
    expect(other.push("b")).toBe(false);
    expect(await reader.next()).toEqual({ value: undefined, done: true });
  });
});
