import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";
import { createEffectsLog } from "./setup/effects.js";
import { shortLease, startStack, type Stack } from "./setup/stack.js";

// This file restarts Postgres, so it runs its own server rather than the shared one.
const dataDir = `${process.cwd()}/.test-data/pg-restart-${process.pid}`;
const port = 20000 + (process.pid % 20000);
const effects = createEffectsLog();
let pg: EmbeddedPostgresHandle;
let stack: Stack;

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  pg = await startEmbeddedPostgres({ dataDir, port, fast: true });
  stack = await startStack("pg_restart", shortLease, pg.url);
});
afterAll(async () => {
  await stack?.stop();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a Postgres restart during a run", () => {
  it("the services reconnect and the run completes; step 1 ran once", async () => {
    const worker = await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, HANG_STEP: "two" });
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 7 } }] });
    const { runs } = await stack.runs.listRuns({ eventId: ids[0]! });
    const runId = runs[0]!.id;
    await worker.waitFor((l) => l.msg === "hanging" && l.runId === runId);
    await pg.stop();
    worker.child.kill("SIGUSR2"); // step two finishes while the database is down
    await worker.waitFor((l) => l.msg === "released");
    pg = await startEmbeddedPostgres({ dataDir, port, fast: true });
    const run = await stack.waitForRun(runId, 60_000);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(effects.of(runId).filter((s) => s === "one")).toHaveLength(1);
    const { steps } = await stack.runs.getRun({ runId });
    expect(steps.map((s) => s.userId)).toEqual(["one", "two", "three"]);
    // Ingest still accepts events after the restart.
    const after = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 8 } }] });
    expect((await stack.runForEvent(after.ids[0]!)).status).toBe(RunStatus.COMPLETED);
  }, 120_000);
});
