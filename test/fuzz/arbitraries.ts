import fc from "fast-check";

/** Cases per property: FUZZ_RUNS (the full run, `npm run fuzz`: 1,000), fewer in `npm test`. */
export const fuzzRuns = (inTests: number) => Number(process.env.FUZZ_RUNS ?? inTests);

/** Strings as hostile input comes: NULs, lone surrogates, emoji, controls, long runs. */
export const nastyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", "\u0000", "a\u0000b", "\ud83d", "\ude00x", "😀", "tenax/x", "inngest/x", " ", "\n", "💥".repeat(300), "x".repeat(5000)),
);

/** Numbers JSON and protobuf disagree on: -0, huge, tiny, integers past 2^53. */
export const nastyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 1e308, -1e308, 5e-324, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 0.1 + 0.2),
  fc.integer(),
);

/** JSON values with hostile leaves and keys, some deeply nested. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(nastyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** An object nested `depth` levels deep: {"a":{"a":…}}. */
export const deepObject = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
