// Fuzzing the event path's validation: whatever a producer sends, the answer is either a clean
// batch that Postgres can store, or INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the event and field.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { validateEvents } from "@tenax/engine";
import { EventSchema } from "@tenax/proto";
import { findUnstorable } from "@tenax/state";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { deepObject, fuzzRuns, nastyJson, nastyString } from "./arbitraries.js";

const event = fc.record({
  name: nastyString,
  id: fc.oneof(fc.constant(""), nastyString),
  v: fc.oneof(fc.constant(""), nastyString),
  data: fc.oneof(fc.dictionary(nastyString, nastyJson, { maxKeys: 5 }), fc.constant(deepObject(200) as Record<string, unknown>)),
  ts: fc.bigInt({ min: 0n, max: 2n ** 62n }),
});

describe("validateEvents (fuzzed)", () => {
  it("stores a clean batch or refuses it naming the event and the field; never anything else", () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 0, maxLength: 6 }), (events) => {
        const batch = events.map((e) => create(EventSchema, { ...e, data: e.data as JsonObject }));
        let stored;
        try {
          stored = validateEvents(batch, 1);
        } catch (err) {
          expect(err).toBeInstanceOf(ConnectError);
          const e = err as ConnectError;
          expect([Code.InvalidArgument, Code.ResourceExhausted]).toContain(e.code);
          expect(e.rawMessage).toMatch(/^\[[a-z_]+\] events(\[\d+\](\.(name|id|v|data|user)\S*)?)?[ :]/);
          return;
        }
        expect(stored).toHaveLength(batch.length);
        for (const [i, s] of stored.entries()) {
          expect(s.name.length).toBeGreaterThan(0);
          expect(s.name.startsWith("tenax/")).toBe(false);
          expect(findUnstorable(s, `events[${i}]`)).toBeNull();
          expect(s.id.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});
