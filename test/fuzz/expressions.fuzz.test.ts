// Fuzzing every expression field (trigger `if`, wait `if` and `match`, cancelOn, keys): any text
// compiles or is refused as invalid_expression; evaluation never throws; and a listener's lookup
// key never holds back an event that matches it.
import { compileExpression, eventKeyAt, listenerKey, matchesExpression, toEventJson, waitMatches } from "@tenax/match";
import { ErrorReason, ReasonError } from "@tenax/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzzRuns, nastyJson, nastyString } from "./arbitraries.js";

const field = fc.constantFrom("data.id", "data.n", "data.tags", "data.nested.k", "data.missing", "user.id", "name", "ts", "id", "v");
const side = fc.constantFrom("event", "async");
const literal = fc.oneof(
  fc.integer().map(String),
  nastyString.map((s) => JSON.stringify(s)),
  fc.constantFrom("true", "null", "[1, 2]", "{'a': 1}", "1.5"),
);
const comparison = fc
  .tuple(
    side,
    field,
    fc.constantFrom("==", "!=", ">", "<", "in"),
    fc.oneof(
      literal,
      fc.tuple(side, field).map(([s, f]) => `${s}.${f}`),
    ),
  )
  .map(([s, f, op, rhs]) => `${s}.${f} ${op} ${rhs}`);
// Well-formed-ish expressions, and arbitrary text.
const expression = fc.oneof(
  fc.array(comparison, { minLength: 1, maxLength: 3 }).chain((parts) => fc.constantFrom(" && ", " || ").map((j) => parts.join(j))),
  fc.tuple(side, field).map(([s, f]) => `${s}.${f}.matches("^[a-z]+$")`),
  fc.tuple(side, field).map(([s, f]) => `${s}.${f}.exists(x, x == 1)`),
  nastyString,
);
const eventData = fc.record({
  id: fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 })),
  n: fc.integer({ min: -2, max: 2 }),
  tags: fc.array(fc.string({ maxLength: 2 }), { maxLength: 3 }),
  nested: fc.oneof(fc.record({ k: fc.string({ maxLength: 2 }) }), nastyJson),
});
const eventOf = (data: Record<string, unknown>, name: string) => toEventJson({ id: "e", name, data, user: { id: data.id }, ts: 1, v: "" });

describe("expressions (fuzzed)", () => {
  it("any text compiles or is refused as invalid_expression; evaluation and keying never throw", () => {
    fc.assert(
      fc.property(expression, eventData, (expr, data) => {
        try {
          compileExpression(expr);
        } catch (err) {
          expect(err).toBeInstanceOf(ReasonError);
          expect((err as ReasonError).reason).toBe(ErrorReason.INVALID_EXPRESSION);
        }
        const event = eventOf(data, "fuzz/e");
        expect(typeof matchesExpression(expr, { event, async: event })).toBe("boolean");
        expect(() => listenerKey({ match: "", expression: expr, triggerEvent: event as unknown as Record<string, unknown> })).not.toThrow();
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it("a keyed wait or cancelOn rule: every candidate that matches it has its key (the index never hides a match)", () => {
    const listener = fc.oneof(
      field.map((f) => ({ match: f, expression: "" })),
      fc.tuple(field, field, fc.option(comparison, { nil: undefined })).map(([a, b, extra]) => ({
        match: "",
        expression: `async.${a} == event.${b}${extra ? ` && ${extra}` : ""}`,
      })),
      expression.map((e) => ({ match: "", expression: e })),
    );
    let keyedMatches = 0;
    fc.assert(
      fc.property(listener, eventData, eventData, fc.integer({ min: 0, max: 2 }), (l, triggerData, candidateData, pick) => {
        const triggerEvent = eventOf(triggerData, "fuzz/trigger") as unknown as Record<string, unknown>;
        // Candidates that share values with the trigger, so that matches actually happen.
        const candidate = eventOf([triggerData, candidateData, { ...candidateData, id: triggerData.id }][pick]!, "fuzz/c");
        const key = listenerKey({ ...l, triggerEvent });
        if (!waitMatches({ ...l, triggerEvent }, candidate)) return;
        expect(key.kind).not.toBe("never");
        if (key.kind === "keyed") {
          keyedMatches++;
          expect(eventKeyAt(candidate, key.path)).toBe(key.key);
        }
      }),
      { numRuns: fuzzRuns(500) },
    );
    expect(keyedMatches).toBeGreaterThan(fuzzRuns(500) / 50); // the property was exercised, not vacuous
  });
});
