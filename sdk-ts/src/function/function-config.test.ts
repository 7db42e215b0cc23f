import { describe, expect, it } from "vitest";
import { toFunctionConfig } from "./function-config.js";

describe("toFunctionConfig", () => {
  it("converts options to the proto config", () => {
    const config = toFunctionConfig(
      {
        id: "process-order",
        retries: 2,
        concurrency: [5, { limit: 1, key: "event.data.userId" }],
        cancelOn: { event: "order/cancelled", match: "data.orderId", timeout: "1h" },
        timeouts: { start: "30s", run: 60_000 },
        checkpointing: { maxInterval: "500ms" },
      },
      [{ event: "order/created", if: "event.data.total > 0" }, { cron: "0 9 * * *" }],
    );
    expect(config.name).toBe("process-order");
    expect(config.retries).toBe(2);
    expect(config.triggers.map((t) => t.kind)).toEqual([
      expect.objectContaining({ case: "event", value: expect.objectContaining({ event: "order/created", expression: "event.data.total > 0" }) }),
      expect.objectContaining({ case: "cron", value: expect.objectContaining({ cron: "0 9 * * *" }) }),
    ]);
    expect(config.concurrency.map((c) => [c.limit, c.key])).toEqual([
      [5, ""],
      [1, "event.data.userId"],
    ]);
    expect(config.cancelOn[0]).toMatchObject({ event: "order/cancelled", match: "data.orderId", timeoutMs: 3_600_000n });
    expect(config.timeouts).toMatchObject({ startMs: 30_000n, runMs: 60_000n });
    expect(config.checkpointing).toMatchObject({ enabled: true, maxIntervalMs: 500n });
  });

  it("leaves retries unset when not given", () => {
    expect(toFunctionConfig({ id: "f" }, { event: "e" }).retries).toBeUndefined();
  });

  it("accepts retries 0 and 20", () => {
    expect(toFunctionConfig({ id: "f", retries: 0 }, { event: "e" }).retries).toBe(0);
    expect(toFunctionConfig({ id: "f", retries: 20 }, { event: "e" }).retries).toBe(20);
  });

  it("sets has_on_failure when onFailure is given", () => {
    expect(toFunctionConfig({ id: "f", onFailure: () => {} }, { event: "e" }).hasOnFailure).toBe(true);
    expect(toFunctionConfig({ id: "f" }, { event: "e" }).hasOnFailure).toBe(false);
  });

  it.each([
    [{ id: "f", retries: 21 }, { event: "e" }, /function "f": retries/],
    [{ id: "f", retries: 1.5 }, { event: "e" }, /retries/],
    [{ id: "refund", retries: -1 }, { event: "e" }, /function "refund": retries must be an integer 0..20, got -1/],
    [{ id: "f", retries: Number.NaN }, { event: "e" }, /retries/],
    [{ id: "f", retries: "3" as never }, { event: "e" }, /retries/],
    [{ id: "f" }, [], /function "f": triggers/],
    [{ id: "f" }, Array.from({ length: 11 }, () => ({ event: "e" })), /at most 10/],
    [{ id: "f", timeouts: { run: "soon" as never } }, { event: "e" }, /timeouts.run/],
    [{ id: "f" }, { event: "e", cron: "* * * * *" } as never, /triggers\[0\]/],
    [{ id: "" }, { event: "e" }, /id/],
  ])("rejects %j", (options, trigger, message) => {
    expect(() => toFunctionConfig(options, trigger as never)).toThrowError(
      expect.objectContaining({ code: "invalid_config", message: expect.stringMatching(message) }),
    );
  });
});
