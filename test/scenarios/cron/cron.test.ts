import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import type { LogLine, Proc } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";

// A 2-second cron with two schedulers on one database, then an outage of every scheduler.
const periodMs = 2000;
let stack: Stack;
let worker: Proc;

beforeAll(async () => {
  stack = await startStack("cron");
  await stack.start("scheduler-2");
  // The schedule is created when the worker registers the function: its first tick follows.
  worker = await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

const isTick = (l: LogLine) => l.msg === "tick";

/** Waits until the worker has logged `count` ticks in all. */
function ticksLogged(count: number) {
  return worker.waitFor(() => worker.lines.filter(isTick).length >= count, 30_000);
}

/** Every run of the cron function, once finished, as its tick time (ms), sorted. */
async function tickRuns(): Promise<number[]> {
  const { runs } = await stack.runs.listRuns({ functionId: "every-2s", pageSize: 500 });
  const done = await Promise.all(runs.map((r) => stack.waitForRun(r.id)));
  expect(done.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
  const ticks = done.map((r) => {
    const scheduledAt = JSON.parse(new TextDecoder().decode(r.output)) as string;
    const ms = Date.parse(scheduledAt);
    // The event id is the tick's dedupe key, so it carries the same instant.
    expect(r.eventIds[0]).toBe(`cron:scenarios:every-2s:0:${ms}`);
    return ms;
  });
  return ticks.sort((a, b) => a - b);
}

function expectConsecutive(ticks: number[]) {
  for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!, `tick ${i} of ${ticks.map((t) => new Date(t).toISOString())}`).toBe(periodMs);
}

describe("cron triggers", () => {
  it("two schedulers: each tick starts exactly one run", async () => {
    await ticksLogged(4);
    const ticks = await tickRuns();
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ticks).size).toBe(ticks.length);
    expectConsecutive(ticks);
    expect(ticks.every((t) => t % periodMs === 0)).toBe(true);
    const logged = worker.lines.filter(isTick).map((l) => l.scheduledAt);
    expect(new Set(logged).size).toBe(logged.length);
  });

  it("after every scheduler was down: the latest missed tick fires once, then ticks resume", async () => {
    await Promise.all([stack.procs.get("scheduler")!.kill("SIGKILL"), stack.procs.get("scheduler-2")!.kill("SIGKILL")]);
    const before = await tickRuns();
    const lastBefore = before.at(-1)!;
    // Let several ticks pass with no scheduler (time itself is what is under test here).
    await new Promise((r) => setTimeout(r, 3 * periodMs + 500));
    const restarted = await stack.start("scheduler");
    const caughtUp = await restarted.waitFor((l) => l.msg === "cron fell behind; firing only the latest missed tick" && l.functionId === "every-2s");
    const catchUp = Date.parse(caughtUp.scheduledAt as string);
    // The overdue tick was the one after the last fired; the one fired is the most recent.
    expect(Date.parse(caughtUp.dueSince as string)).toBe(lastBefore + periodMs);
    expect(catchUp).toBeGreaterThanOrEqual(lastBefore + 3 * periodMs);

    await ticksLogged(worker.lines.filter(isTick).length + 3);
    const ticks = await tickRuns();
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.filter((t) => t <= lastBefore)).toEqual(before);
    const after = ticks.filter((t) => t > lastBefore);
    // Of the ticks missed during the outage only the catch-up ran; the rest follow every 2 s.
    expect(after[0]).toBe(catchUp);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expectConsecutive(after);
    const logged = worker.lines.filter(isTick).map((l) => l.scheduledAt);
    expect(new Set(logged).size).toBe(logged.length);
  });
});
