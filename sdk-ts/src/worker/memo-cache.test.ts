import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, MemoEntrySchema, StoredEventSchema } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { createMemoCache } from "./memo-cache.js";

const entry = (stepId: string) => create(MemoEntrySchema, { stepId, result: { case: "data", value: new Uint8Array([49]) } });
const event = create(StoredEventSchema, { seq: 7n, event: { id: "e1", name: "test/e" } });
const request = (runId: string, memoOffset: number, ids: string[]) =>
  create(ExecuteRequestSchema, { runId, memoOffset, memo: ids.map(entry), ...(memoOffset === 0 ? { event, events: [event] } : {}) });
const remember = (cache: ReturnType<typeof createMemoCache>, runId: string, memo: ReturnType<typeof entry>[]) => cache.remember(request(runId, 0, []), memo);

describe("memo cache", () => {
  it("passes a complete memo through and applies deltas to what it holds", () => {
    const cache = createMemoCache();
    const full = cache.complete(request("r", 0, ["a", "b"]));
    expect(full?.map((e) => e.stepId)).toEqual(["a", "b"]);
    cache.remember(request("r", 0, ["a", "b"]), full!);
    expect(cache.complete(request("r", 2, ["c"]))?.map((e) => e.stepId)).toEqual(["a", "b", "c"]);
    expect(cache.complete(request("r", 3, ["d"]))).toBeUndefined();
    expect(cache.complete(request("other", 1, ["x"]))).toBeUndefined();
  });

  it("fills in the events a continuation omits from the run's previous request", () => {
    const cache = createMemoCache();
    const continuation = request("r", 1, ["b"]);
    expect(cache.restoreEvents(continuation)).toBe(false); // not held: memo_fetch
    cache.remember(request("r", 0, ["a"]), [entry("a")]);
    expect(cache.restoreEvents(continuation)).toBe(true);
    expect(continuation.event?.event?.id).toBe("e1");
    expect(continuation.events.map((e) => e.seq)).toEqual([7n]);
    expect(cache.restoreEvents(request("other", 0, []))).toBe(true); // complete requests carry their own
  });

  it("evicts the least recently used run", () => {
    const cache = createMemoCache(2);
    remember(cache, "a", [entry("1")]);
    remember(cache, "b", [entry("1")]);
    remember(cache, "a", [entry("1")]);
    remember(cache, "c", [entry("1")]);
    expect(cache.complete(request("b", 1, []))).toBeUndefined();
    expect(cache.complete(request("a", 1, []))).toHaveLength(1);
  });
});
