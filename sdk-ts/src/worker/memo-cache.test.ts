import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, MemoEntrySchema } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { createMemoCache } from "./memo-cache.js";

const entry = (stepId: string) => create(MemoEntrySchema, { stepId, result: { case: "data", value: new Uint8Array([49]) } });
const request = (runId: string, memoOffset: number, ids: string[]) =>
  create(ExecuteRequestSchema, { runId, memoOffset, memo: ids.map(entry) });

describe("memo cache", () => {
  it("passes a complete memo through and applies deltas to what it holds", () => {
    const cache = createMemoCache();
    const full = cache.complete(request("r", 0, ["a", "b"]));
    expect(full?.map((e) => e.stepId)).toEqual(["a", "b"]);
    cache.remember("r", full!);
    expect(cache.complete(request("r", 2, ["c"]))?.map((e) => e.stepId)).toEqual(["a", "b", "c"]);
    expect(cache.complete(request("r", 3, ["d"]))).toBeUndefined();
    expect(cache.complete(request("other", 1, ["x"]))).toBeUndefined();
  });

  it("evicts the least recently used run", () => {
    const cache = createMemoCache(2);
    cache.remember("a", [entry("1")]);
    cache.remember("b", [entry("1")]);
    cache.remember("a", [entry("1")]);
    cache.remember("c", [entry("1")]);
    expect(cache.complete(request("b", 1, []))).toBeUndefined();
    expect(cache.complete(request("a", 1, []))).toHaveLength(1);
  });
});
