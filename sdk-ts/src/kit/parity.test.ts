// The kit side of the shared scenarios (test/kit-parity/functions.ts); test/kit-parity/stack.test.ts
// runs the same table against the real services.
import { describe, expect, it } from "vitest";
import { functions, scenarios } from "../../../test/kit-parity/functions.js";
import { createTestEngine } from "./index.js";

describe("kit parity scenarios (in-process)", () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const t = createTestEngine({ functions });
      const { ids, runs } = await t.send(scenario.send);
      const started = ids.map((id) => runs.filter((r) => r.event.id === id));
      expect(started.map((runs) => runs.length)).toEqual(scenario.runs);
      const run = started.find((runs) => runs.length > 0)![0]!;
      if (scenario.deliver) {
        expect(run.status).toBe("waiting");
        await t.send(scenario.deliver);
      }
      const result = await run.result();
      expect({ status: result.status, output: result.output, steps: result.steps.map((s) => s.id) }).toEqual(scenario.expect);
    });
  }
});
