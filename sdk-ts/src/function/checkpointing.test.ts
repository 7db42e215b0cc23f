import { describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import type { Logger } from "../logger/logger.js";
import { CHECKPOINTING_DEFAULTS } from "./checkpointing.js";
import { toFunctionConfig } from "./function-config.js";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const defaults = { enabled: true, bufferedSteps: 10, maxIntervalMs: 50n, maxRuntimeMs: 60_000n };

describe("checkpointing config", () => {
  it("is off unless asked for", () => {
    expect(toFunctionConfig({ id: "f" }, { event: "e" }).checkpointing).toBeUndefined();
    expect(toFunctionConfig({ id: "f", checkpointing: false }, { event: "e" }).checkpointing).toBeUndefined();
  });

  it("registers the defaults for `true`: 10 steps, 50 ms, 60 s", () => {
    expect(CHECKPOINTING_DEFAULTS).toEqual({ bufferedSteps: 10, maxIntervalMs: 50, maxRuntimeMs: 60_000 });
    expect(toFunctionConfig({ id: "f", checkpointing: true }, { event: "e" }).checkpointing).toMatchObject(defaults);
  });

  it("fills the fields left out with the defaults", () => {
    const config = toFunctionConfig({ id: "f", checkpointing: { bufferedSteps: 1, maxRuntime: "5m" } }, { event: "e" });
    expect(config.checkpointing).toMatchObject({ enabled: true, bufferedSteps: 1, maxIntervalMs: 50n, maxRuntimeMs: 300_000n });
    expect(toFunctionConfig({ id: "f", checkpointing: { maxInterval: 0 } }, { event: "e" }).checkpointing).toMatchObject({ maxIntervalMs: 0n });
  });

  it.each([
    [{ bufferedSteps: 0 }, /checkpointing.bufferedSteps must be an integer 1..1000, got 0/],
    [{ bufferedSteps: 1001 }, /bufferedSteps/],
    [{ bufferedSteps: 2.5 }, /bufferedSteps/],
    [{ maxInterval: "soon" }, /checkpointing.maxInterval is not a valid duration/],
    [{ maxRuntime: -1 }, /checkpointing.maxRuntime is not a valid duration/],
    [{ maxRuntime: 0 }, /checkpointing.maxRuntime must be a positive duration/],
    ["yes", /checkpointing must be true, false or/],
  ])("rejects %j", (checkpointing, message) => {
    expect(() => toFunctionConfig({ id: "f", checkpointing: checkpointing as never }, { event: "e" })).toThrowError(
      expect.objectContaining({ code: "invalid_config", message: expect.stringMatching(message) }),
    );
  });

  it("applies the client's default to functions without their own setting", () => {
    const tenax = new Tenax({ id: "shop", logger: quiet, checkpointing: { bufferedSteps: 3 } });
    const handler = () => null;
    expect(tenax.createFunction({ id: "a" }, { event: "e" }, handler).config.checkpointing).toMatchObject({ ...defaults, bufferedSteps: 3 });
    // A function's own setting replaces the default as a whole.
    expect(tenax.createFunction({ id: "b", checkpointing: { maxRuntime: "1s" } }, { event: "e" }, handler).config.checkpointing).toMatchObject({
      ...defaults,
      maxRuntimeMs: 1000n,
    });
    expect(tenax.createFunction({ id: "c", checkpointing: false }, { event: "e" }, handler).config.checkpointing).toBeUndefined();
    expect(new Tenax({ id: "shop", logger: quiet }).createFunction({ id: "d" }, { event: "e" }, handler).config.checkpointing).toBeUndefined();
  });

  it("gives the failure function the parent's checkpointing", () => {
    const tenax = new Tenax({ id: "shop", logger: quiet, checkpointing: true });
    const own = tenax.createFunction({ id: "a", checkpointing: { bufferedSteps: 2 }, onFailure: () => null }, { event: "e" }, () => null);
    expect(own.failureFunction?.config.checkpointing).toMatchObject({ bufferedSteps: 2 });
    const inherited = tenax.createFunction({ id: "b", onFailure: () => null }, { event: "e" }, () => null);
    expect(inherited.failureFunction?.config.checkpointing).toMatchObject(defaults);
  });

  it("rejects an invalid client default at `new Tenax`", () => {
    expect(() => new Tenax({ id: "shop", logger: quiet, checkpointing: { bufferedSteps: -2 } })).toThrowError(
      expect.objectContaining({ code: "invalid_config", message: expect.stringMatching(/new Tenax\(\): checkpointing.bufferedSteps/) }),
    );
  });
});
