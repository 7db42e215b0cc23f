import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "./setup/stack.js";

const counter = join(mkdtempSync(join(tmpdir(), "tenax-")), "effects.log");
const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("happy");
  await stack.worker("basic.ts", { TENAX_COUNTER_FILE: counter });
});
afterAll(() => stack?.stop());

describe("a durable run end to end", () => {
  it("runs a 3-step function to completion with three memoized steps", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 4 } }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(decode(run.output)).toEqual({ a: { n: 5 }, b: 50, c: "50!" });
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.map((s) => s.userId)).toEqual(["one", "two", "three"]);
    expect(steps.map((s) => decode(s.output))).toEqual([{ n: 5 }, 50, "50!"]);
    const effects = readFileSync(counter, "utf8")
      .split("\n")
      .filter((l) => l.startsWith(run.id));
    expect(effects.map((l) => l.split(" ")[1])).toEqual(["one", "two", "three"]);
  });

  it("WatchRun streams each stored step; status_only streams status changes alone", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 1 } }] });
    const { runs: found } = await stack.runs.listRuns({ eventId: ids[0]! });
    const collect = async (statusOnly: boolean) => {
      const msgs = [];
      for await (const msg of stack.runs.watchRun({ runId: found[0]!.id, statusOnly }, { signal: AbortSignal.timeout(30_000) })) msgs.push(msg);
      return msgs;
    };
    const [full, statusOnly] = await Promise.all([collect(false), collect(true)]);
    expect(full.flatMap((m) => (m.step ? [m.step.userId] : []))).toEqual(["one", "two", "three"]);
    expect(full.at(-1)!.run!.status).toBe(RunStatus.COMPLETED);
    expect(statusOnly.some((m) => m.step)).toBe(false);
    expect(statusOnly.at(-1)!.run!.status).toBe(RunStatus.COMPLETED);
    const statuses = statusOnly.map((m) => m.run!.status);
    expect(new Set(statuses).size).toBe(statuses.length); // one message per status, no step noise
  });

  it("WatchRuns streams the status of many runs on one stream until all have ended", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [1, 2, 3].map((n) => ({ name: "test/three", data: { n } })) });
    const runIds = await Promise.all(ids.map(async (eventId) => (await stack.runs.listRuns({ eventId })).runs[0]!.id));
    const seen = new Map<string, RunStatus[]>();
    for await (const { run } of stack.runs.watchRuns({ runIds: [...runIds, runIds[0]!] }, { signal: AbortSignal.timeout(30_000) })) {
      seen.set(run!.id, [...(seen.get(run!.id) ?? []), run!.status]);
    }
    expect([...seen.keys()].sort()).toEqual([...runIds].sort()); // the duplicate id is watched once
    for (const statuses of seen.values()) {
      expect(statuses.at(-1)).toBe(RunStatus.COMPLETED);
      expect(new Set(statuses).size).toBe(statuses.length); // one message per status
    }
  });

  it("retries a failing step with backoff and reports the attempt", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/flaky", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(decode(run.output)).toEqual({ v: 2 });
    const effects = readFileSync(counter, "utf8")
      .split("\n")
      .filter((l) => l.startsWith(run.id));
    expect(effects.map((l) => l.split(" ")[1])).toEqual(["attempt-0", "attempt-1", "attempt-2"]);
  });

  it("filters events with an if expression; a missing field means no match", async () => {
    const { ids } = await stack.ingest.sendEvents({
      events: [
        { name: "test/filtered", data: { amount: 150 } },
        { name: "test/filtered", data: { amount: 50 } },
        { name: "test/filtered", data: { other: 1 } },
      ],
    });
    const run = await stack.runForEvent(ids[0]!);
    expect(decode(run.output)).toEqual({ amount: 150 });
    for (const id of ids.slice(1)) expect((await stack.runs.listRuns({ eventId: id })).runs).toHaveLength(0);
  });

  it("round-trips a memo of more than 10 MiB", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/big", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(decode(run.output)).toEqual({ sizes: [2_600_000, 2_600_000, 2_600_000, 2_600_000] });
  });

  it("dedupes events by producer id", async () => {
    const id = `dedupe-${Date.now()}`;
    const first = await stack.ingest.sendEvents({ events: [{ id, name: "test/three", data: { n: 1 } }] });
    const second = await stack.ingest.sendEvents({ events: [{ id, name: "test/three", data: { n: 2 } }] });
    expect(second.ids).toEqual(first.ids);
    const run = await stack.runForEvent(id);
    expect(decode(run.output).a).toEqual({ n: 2 }); // from the first event (n: 1), not the duplicate
  });

  it("pages through ListRuns without losing runs created in one transaction", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: Array.from({ length: 120 }, (_, i) => ({ name: "test/filtered", data: { amount: 200 + i } })) });
    const seen = new Set<string>();
    let pageToken = "";
    do {
      const page = await stack.runs.listRuns({ functionId: "filtered", pageSize: 50, pageToken });
      for (const r of page.runs) seen.add(r.eventIds[0]!);
      pageToken = page.nextPageToken;
    } while (pageToken);
    for (const id of ids) expect(seen.has(id)).toBe(true);
  });
});
