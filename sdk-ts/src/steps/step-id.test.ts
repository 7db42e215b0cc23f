import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createStepIdAllocator, hashStepId } from "./step-id.js";

describe("step ids", () => {
  it("hashes with lowercase hex SHA-1", () => {
    expect(hashStepId("fetch-data")).toBe(createHash("sha1").update("fetch-data").digest("hex"));
    expect(hashStepId("a")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("counts repeats per id", () => {
    const next = createStepIdAllocator();
    expect(["fetch", "fetch", "other", "fetch"].map(next)).toEqual(["fetch", "fetch:1", "other", "fetch:2"]);
  });

  it("skips ids the user wrote explicitly", () => {
    const next = createStepIdAllocator();
    expect(["a:1", "a", "a"].map(next)).toEqual(["a:1", "a", "a:2"]);
  });
});
