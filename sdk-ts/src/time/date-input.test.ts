import { describe, expect, it } from "vitest";
import { toEpochMs } from "./date-input.js";

describe("toEpochMs", () => {
  it("reads Dates, ISO strings and epoch ms", () => {
    expect(toEpochMs(new Date("2030-01-01T00:00:00Z"))).toBe(Date.UTC(2030, 0, 1));
    expect(toEpochMs("2030-01-01T00:00:00.000Z")).toBe(Date.UTC(2030, 0, 1));
    expect(toEpochMs(1_900_000_000_000)).toBe(1_900_000_000_000);
    expect(toEpochMs(10.2)).toBe(11);
  });

  it.each([new Date(Number.NaN), "not a date", "test 2", "2030-13-01", "", "1h", Number.NaN, Number.POSITIVE_INFINITY, 1e300, undefined, null, {}])(
    "rejects %s",
    (input) => {
      expect(toEpochMs(input as never)).toBeUndefined();
    },
  );
});
