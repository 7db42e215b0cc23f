import { describe, expectTypeOf, it } from "vitest";
import type { Jsonify } from "./jsonify.js";
import { jsonRoundTrip } from "./codec.js";

// Compile-time checks (tsc); the runtime assertions are no-ops.
describe("Jsonify", () => {
  it("mirrors the JSON round trip", () => {
    interface Order {
      id: string;
      at: Date;
      note?: string;
      maybe: number | undefined;
      save: () => void;
      tags: Array<string | undefined>;
      nested: { when: Date };
    }
    expectTypeOf<Jsonify<Order>>().toEqualTypeOf<{
      id: string;
      at: string;
      note?: string;
      maybe?: number;
      tags: Array<string | null>;
      nested: { when: string };
    }>();
    expectTypeOf<Jsonify<undefined>>().toEqualTypeOf<null>();
    expectTypeOf<Jsonify<Date>>().toEqualTypeOf<string>();
    expectTypeOf<Jsonify<number[]>>().toEqualTypeOf<number[]>();
    expectTypeOf<Jsonify<unknown>>().toEqualTypeOf<unknown>();
  });

  it("matches what the runtime does", () => {
    const value = jsonRoundTrip<Jsonify<{ at: Date; gone?: string }>>({ at: new Date(0), gone: undefined });
    expectTypeOf(value.at).toEqualTypeOf<string>();
  });
});
