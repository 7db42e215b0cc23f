import { describe, expect, it } from "vitest";
import { isTransientDatabaseError } from "./transient.js";

describe("isTransientDatabaseError", () => {
  it("heals by itself: a lost connection, a deadlock, a shutdown, a lock timeout", () => {
    for (const code of ["ECONNRESET", "CONNECTION_CLOSED", "08006", "40P01", "40001", "57P01", "53300", "55P03", "XX000"])
      expect([code, isTransientDatabaseError({ code })]).toEqual([code, true]);
  });
  it("comes from the work: a raised exception, a constraint, bad input, or no code at all", () => {
    for (const code of ["P0001", "23505", "22P02", "42703", undefined, 5]) expect([code, isTransientDatabaseError({ code })]).toEqual([code, false]);
    expect(isTransientDatabaseError(new TypeError("x is undefined"))).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
  });
});
