import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "./setup/effects.js";
import { executorClient, startStack, type Stack } from "./setup/stack.js";

const effects = createEffectsLog();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("two_executors");
  const second = await stack.start("executor-2");
  const port = (second.lines.find((l) => l.msg === "listening")!.port as number).toString();
  await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, WORKER_CONCURRENCY: "10" }, "worker-a");
  await stack.worker("basic.ts", { TENAX_COUNTER_FILE: effects.file, WORKER_CONCURRENCY: "10", TENAX_EXECUTOR_URL: `http://127.0.0.1:${port}` }, "worker-b");
  const listed = await executorClient(`http://127.0.0.1:${port}`).listWorkers({});
  expect(listed.workers).toHaveLength(1);
});
afterAll(() => stack?.stop());

describe("two executors and two workers on one database", () => {
  it("completes 200 runs, each exactly once", async () => {
    const events = Array.from({ length: 200 }, (_, n) => ({ name: "test/three", data: { n } }));
    const { ids } = await stack.ingest.sendEvents({ events });
    const runIds: string[] = [];
    for (const id of ids) {
      const { runs } = await stack.runs.listRuns({ eventId: id });
      expect(runs).toHaveLength(1);
      runIds.push(runs[0]!.id);
    }
    // Watch with bounded parallelism.
    const finished: RunStatus[] = [];
    for (let i = 0; i < runIds.length; i += 50) {
      const batch = await Promise.all(runIds.slice(i, i + 50).map((id) => stack.waitForRun(id, 90_000)));
      finished.push(...batch.map((r) => r.status));
    }
    expect(finished.filter((s) => s === RunStatus.COMPLETED)).toHaveLength(200);
    const counts = effects.counts();
    for (const id of runIds) expect(counts.get(id)).toEqual(["one", "two", "three"]);
  }, 180_000);
});
