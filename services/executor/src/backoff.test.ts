import { describe, expect, it } from "vitest";
import { clampRetryAt, retryDelayMs } from "./backoff.js";

describe("retry backoff", () => {
  it("follows the schedule, capped at 2 h, with up to 30 s of jitter", () => {
    expect([0, 1, 2, 3, 4].map((a) => retryDelayMs(a, 1, () => 0))).toEqual([15_000, 30_000, 60_000, 120_000, 300_000]);
    expect(retryDelayMs(50, 1, () => 0)).toBe(7_200_000);
    expect(retryDelayMs(0, 1, () => 1)).toBe(45_000);
  });

  it("scales the whole schedule, jitter included", () => {
    expect(retryDelayMs(0, 0.001, () => 1)).toBe(45);
  });

  it("clamps RetryAfterError times to [1 s, 24 h] from now", () => {
    expect(clampRetryAt(0, 10_000)).toBe(11_000);
    expect(clampRetryAt(10_000 + 5_000, 10_000)).toBe(15_000);
    expect(clampRetryAt(10_000 + 10 * 86_400_000, 10_000)).toBe(10_000 + 86_400_000);
  });
});
