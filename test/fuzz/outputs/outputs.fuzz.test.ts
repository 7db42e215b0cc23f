// Fuzzing step outputs and errors through the real stack: whatever a step returns or throws
// (NUL, lone surrogates, 8 MiB, 10,000-deep nesting, -0, huge numbers, a throwing toJSON, a
// 10,000-deep cause chain), the run ends — with the value as JSON would carry it, or failed with a
// clear error — within its attempts and backoff, and no process dies.
import { RunStatus } from "@tenax/proto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../setup/stack.js";
import { fuzzRuns } from "../arbitraries.js";
import { errors, outputs } from "./functions.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("fuzz_outputs");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe("step outputs and errors (fuzzed, real stack)", () => {
  it(
    "every run ends, completed with its JSON value or failed with an error saying why; nothing dies",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(outputs)), fc.constantFrom(...Object.keys(errors)), async (output, error) => {
          const { ids } = await stack.ingest.sendEvents({ events: [{ name: "fuzz/output", data: { output, error } }] });
          const run = await stack.runForEvent(ids[0]!, 30_000);
          expect([RunStatus.COMPLETED, RunStatus.FAILED]).toContain(run.status);
          if (run.status === RunStatus.COMPLETED) {
            // The step's output as JSON carries it; a value JSON drops (undefined) is memoized as null.
            const json = JSON.stringify(outputs[output]!());
            expect(JSON.parse(decode(run.output))).toEqual({ value: json === undefined ? null : JSON.parse(json) });
          } else {
            expect(run.error?.message.length).toBeGreaterThan(0);
            expect(run.error!.message.length).toBeLessThanOrEqual(70 * 1024); // bounded, whatever was thrown
          }
          for (const name of ["ingest", "executor", "scheduler"]) expect(stack.procs.get(name)!.child.exitCode).toBeNull();
        }),
        { numRuns: fuzzRuns(15) },
      );
    },
    60_000 + fuzzRuns(15) * 1500,
  ); // the full run (FUZZ_RUNS=1000) takes minutes
});
