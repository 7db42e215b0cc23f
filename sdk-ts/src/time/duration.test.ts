import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1w", 604_800_000],
    ["1.5s", 1500],
    [" 10s ", 10_000],
    ["0s", 0],
  ])("parses %s", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it("accepts ms as a number", () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(1.6)).toBe(2);
  });

  it.each(["", "10", "s", "-5s", "5 minutes", "1h30m", "5S", "abc"])("rejects %j", (input) => {
    expect(() => parseDuration(input)).toThrowError(expect.objectContaining({ code: "invalid_duration" }));
  });

  it("rejects negative and non-finite numbers", () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseDuration(bad)).toThrowError(expect.objectContaining({ code: "invalid_duration" }));
    }
  });
});
