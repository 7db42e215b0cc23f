import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startPgProxy, type PgProxy } from "../../setup/pg-proxy.js";
import { startStack, type Stack } from "../../setup/stack.js";
import { batchSize } from "./functions.js";

// A step save that commits while its reply is lost (the Postgres connection drops in between):
// the resent result finds the step stored, and the run goes on from the stored result without
// running the step again (issue 10). The executor reaches Postgres through a proxy that cuts.
const effects = createEffectsLog();
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
/** Text of the group-committed step save (stepsSave) and the run count of one statement. */
const stepSave = "started_at timestamptz, lease_ms int)";
const runsIn = (params: string) => params.split('"lease_ms"').length - 1;
let stack: Stack;
let proxy: PgProxy;
beforeAll(async () => {
  stack = await startStack("ambiguous_commit");
  proxy = await startPgProxy(stack.databaseUrl);
  await stack.procs.get("executor")!.kill("SIGKILL");
  await stack.start("executor", { DATABASE_URL: proxy.url });
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file, WORKER_CONCURRENCY: String(batchSize) });
});
afterAll(async () => {
  await stack?.stop();
  await proxy?.close();
});

describe("a step save whose commit reply is lost", () => {
  it("a single run: the step ran once and the run continues from the stored result", async () => {
    const cut = proxy.cutAfterReply({ sql: stepSave });
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "ambiguous/single", data: {} }] });
    const report = await cut;
    expect(runsIn(report.params)).toBe(1);
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual({ charged: 42 });
    expect(effects.of(run.id)).toEqual(["charge", "after"]);
  });

  it(`a group-committed batch of ${batchSize} runs: every step ran once`, async () => {
    const cut = proxy.cutAfterReply({ sql: stepSave, params: (p) => runsIn(p) >= batchSize / 2 });
    const events = Array.from({ length: batchSize }, (_, i) => ({ name: "ambiguous/batch", data: { i: String(i) } }));
    const { ids } = await stack.ingest.sendEvents({ events });
    const report = await cut;
    const runs = await Promise.all(ids.map((id) => stack.runForEvent(id)));
    expect(runsIn(report.params)).toBeGreaterThanOrEqual(batchSize / 2);
    for (const run of runs) {
      expect(run.status).toBe(RunStatus.COMPLETED);
      expect(effects.of(run.id)).toEqual(["gate", "after"]);
    }
  });
});
