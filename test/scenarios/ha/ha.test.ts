import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestService, RunStatus, SchedulerService } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

// Two schedulers and two ingests on one database, and a scheduler outage.
const effects = createEffectsLog();
let stack: Stack;
let ingest2: ReturnType<typeof createClient<typeof IngestService>>;

beforeAll(async () => {
  stack = await startStack("ha");
  const [, second] = await Promise.all([stack.start("scheduler-2"), stack.start("ingest-2")]);
  const port = second.lines.find((l) => l.msg === "listening")!.port as number;
  ingest2 = createClient(IngestService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

function timersOf(name: string) {
  const port = stack.procs.get(name)!.lines.find((l) => l.msg === "listening")!.port as number;
  return createClient(SchedulerService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
}

async function startRuns(name: string, count: number, data: (i: number) => Record<string, string> = () => ({})) {
  const { ids } = await stack.ingest.sendEvents({ events: Array.from({ length: count }, (_, i) => ({ name, data: data(i) })) });
  return Promise.all(ids.map(async (id) => (await stack.runs.listRuns({ eventId: id })).runs[0]!.id));
}

async function reached(runId: string, status: RunStatus) {
  for await (const msg of stack.runs.watchRun({ runId }, { signal: AbortSignal.timeout(30_000) })) if (msg.run?.status === status) return;
  throw new Error(`run ${runId} never reached ${RunStatus[status]}`);
}

function expectOnce(runIds: string[], stepName: string) {
  return Promise.all(
    runIds.map(async (runId) => {
      expect(effects.of(runId)).toEqual(["after"]);
      const { steps } = await stack.runs.getRun({ runId });
      expect(steps.filter((s) => s.userId === stepName)).toHaveLength(1);
    }),
  );
}

describe("several schedulers and ingests", () => {
  it("two schedulers: each of 50 sleeping runs wakes exactly once", async () => {
    const runIds = await startRuns("ha/sleep", 50);
    const runs = await Promise.all(runIds.map((id) => stack.waitForRun(id)));
    expect(runs.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
    await expectOnce(runIds, "nap");
  });

  it("timers that came due while every scheduler was down fire when one comes back", async () => {
    const runIds = await startRuns("ha/sleep", 50, () => ({ nap: "6s" }));
    await Promise.all(runIds.map((id) => reached(id, RunStatus.SLEEPING)));
    const { nextDueAtMs, pending } = await timersOf("scheduler").getTimers({});
    expect(Number(pending)).toBeGreaterThanOrEqual(50);
    await Promise.all([stack.procs.get("scheduler")!.kill("SIGKILL"), stack.procs.get("scheduler-2")!.kill("SIGKILL")]);
    // Let the timers come due while no scheduler runs (time itself is what is under test here).
    await new Promise((r) => setTimeout(r, Math.max(0, Number(nextDueAtMs) - Date.now()) + 1500));
    await stack.start("scheduler");
    const runs = await Promise.all(runIds.map((id) => stack.waitForRun(id)));
    expect(runs.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
    await expectOnce(runIds, "nap");
  });

  it("two ingests receiving the same waited-for event: each wait resumes once", async () => {
    const runIds = await startRuns("ha/wait", 20, (i) => ({ k: `k${i}` }));
    await Promise.all(runIds.map((id) => reached(id, RunStatus.WAITING)));
    const events = (via: string) => ({ events: runIds.map((_, i) => ({ name: "ha/go", data: { k: `k${i}`, via } })) });
    await Promise.all([stack.ingest.sendEvents(events("one")), ingest2.sendEvents(events("two"))]);
    const runs = await Promise.all(runIds.map((id) => stack.waitForRun(id)));
    expect(runs.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
    await expectOnce(runIds, "go");
  });
});
