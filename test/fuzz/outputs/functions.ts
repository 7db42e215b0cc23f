// Functions for the fuzzed outputs and errors: a step returns or throws the hostile value that
// event.data picks from these tables (values that cannot travel in an event are made here).
import { NonRetriableError, Tenax } from "@tenax/sdk";
import { deepObject } from "../arbitraries.js";

export const tenax = new Tenax({ id: "fuzz-outputs" });

const circular = () => {
  const o: Record<string, unknown> = {};
  o.self = o;
  return o;
};

/** What a step may return. */
export const outputs: Record<string, () => unknown> = {
  nul: () => ({ s: "a\u0000b", ["k\u0000"]: 1 }),
  surrogate: () => "😀".slice(0, 1),
  big: () => "x".repeat(8 * 1024 * 1024),
  deep: () => deepObject(10_000),
  negativeZero: () => -0,
  huge: () => [1e308, -1e308, 5e-324, 2 ** 53 + 1],
  toJsonThrows: () => ({
    toJSON: () => {
      throw new Error("toJSON refuses");
    },
  }),
  toJsonUndefined: () => ({ toJSON: () => undefined }),
  bigint: () => ({ n: 10n }),
  circular,
  plain: () => ({ ok: true }),
};

const deepError = () => {
  let e = new Error("root");
  for (let i = 0; i < 10_000; i++) e = new Error(`level ${i}`, { cause: e });
  return e;
};

/** What a step may throw. */
export const errors: Record<string, () => unknown> = {
  none: () => undefined,
  nulMessage: () => new NonRetriableError("bad\u0000thing"),
  hugeMessage: () => new NonRetriableError("m".repeat(1024 * 1024)),
  deepCause: () => Object.assign(deepError(), { name: "NonRetriableError" }),
  notAnError: () => ({ weird: "\ud800" }),
  string: () => "just a string",
};

export const fuzzed = tenax.createFunction({ id: "fuzzed", retries: 1 }, { event: "fuzz/output" }, async ({ event, step }) => {
  const { output, error } = event.data as { output: string; error: string };
  const value = await step.run("produce", () => {
    const thrown = errors[error]!();
    if (thrown !== undefined) throw thrown;
    return outputs[output]!();
  });
  return { value };
});

export const functions = [fuzzed];
