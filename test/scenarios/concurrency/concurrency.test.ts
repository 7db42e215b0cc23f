import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("concurrency");
  // Two workers with plenty of capacity: only the limit can hold runs back.
  for (let i = 0; i < 2; i++) await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

async function runAll(name: string, data: (i: number) => Record<string, string>, count: number) {
  const { ids } = await stack.ingest.sendEvents({ events: Array.from({ length: count }, (_, i) => ({ name, data: data(i) })) });
  return Promise.all(ids.map((id) => stack.runForEvent(id, 60_000)));
}

/** Step-body intervals recorded by the workers: [label, start, end]. */
function intervals(runIds: string[]) {
  return runIds.map((id) => {
    const marks = effects.of(id).map((m) => m.split(":"));
    const start = marks.find((m) => m[0] === "start")!;
    const end = marks.find((m) => m[0] === "end")!;
    return { label: start[1]!, start: Number(start[2]), end: Number(end[2]) };
  });
}

function maxOverlap(spans: { start: number; end: number }[]): number {
  const points = spans.flatMap((s) => [[s.start, 1] as const, [s.end, -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (cur += d));
  return max;
}

describe("concurrency", () => {
  it("limit 2: ten runs all complete, never more than two executing at once", async () => {
    const runs = await runAll("conc/limited", () => ({}), 10);
    expect(runs.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
    const spans = intervals(runs.map((r) => r.id));
    expect(maxOverlap(spans)).toBeLessThanOrEqual(2);
    expect(maxOverlap(spans)).toBe(2); // the limit is used, not just respected
  });

  it("a keyed limit applies per key value", async () => {
    const runs = await runAll("conc/per-user", (i) => ({ userId: i % 2 === 0 ? "u1" : "u2" }), 6);
    expect(runs.every((r) => r.status === RunStatus.COMPLETED)).toBe(true);
    const spans = intervals(runs.map((r) => r.id));
    for (const user of ["u1", "u2"]) expect(maxOverlap(spans.filter((s) => s.label === user))).toBe(1);
    expect(maxOverlap(spans)).toBe(2);
  });
});
