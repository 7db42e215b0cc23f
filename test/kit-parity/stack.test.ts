// The real-stack side of the shared scenarios (test/kit-parity/functions.ts); the kit runs the same
// table in sdk-ts/src/kit/parity.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "../setup/stack.js";
import { scenarios } from "./functions.js";

const json = (b: Uint8Array) => (b.length ? JSON.parse(new TextDecoder().decode(b)) : null);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("kit_parity");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

/** Resolves once the run is parked in its wait (WatchRun reports WAITING). */
async function waiting(runId: string) {
  for await (const msg of stack.runs.watchRun({ runId, statusOnly: true }, { signal: AbortSignal.timeout(20_000) })) {
    if (msg.run?.status === RunStatus.WAITING) return;
  }
  throw new Error("run never waited");
}

const toProto = (e: { name: string; data?: object }) => ({ name: e.name, data: (e.data ?? {}) as Record<string, never> });

describe("kit parity scenarios (real stack)", () => {
  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const { ids } = await stack.ingest.sendEvents({ events: scenario.send.map(toProto) });
      const started = await Promise.all(ids.map(async (eventId) => (await stack.runs.listRuns({ eventId })).runs));
      expect(started.map((runs) => runs.length)).toEqual(scenario.runs);
      const runId = started.find((runs) => runs.length > 0)![0]!.id;
      if (scenario.deliver) {
        await waiting(runId);
        await stack.ingest.sendEvents({ events: scenario.deliver.map(toProto) });
      }
      const run = await stack.waitForRun(runId);
      const { steps } = await stack.runs.getRun({ runId });
      expect({ status: RunStatus[run.status].toLowerCase(), output: json(run.output), steps: steps.map((s) => s.userId) }).toEqual(scenario.expect);
    });
  }
});
