import { describe, expect, it } from "vitest";
import { compareAppVersions } from "./version-order.js";

describe("compareAppVersions", () => {
  it.each([
    ["1.10", "1.9", 1],
    ["2", "10", -1],
    ["1.2.1", "1.2", 1],
    ["1.2", "1.2", 0],
    ["2026-11-28", "2026-11-27", 1],
    ["beta", "alpha", 1],
    ["", "1", -1],
  ])("%s vs %s", (a, b, expected) => {
    expect(compareAppVersions(a, b)).toBe(expected);
  });
});
