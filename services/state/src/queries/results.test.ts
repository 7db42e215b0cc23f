import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "../db.js";
import { createTestDatabases } from "../testing.js";
import { queueClaim } from "./claim.js";
import { runsFinish, stepsSave, type StepSaveParams } from "./results.js";
import { eventsAppend } from "./events.js";
import { runsStart } from "./runs.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("steps_save"));
});
afterAll(() => db?.close());

const save = (runId: string, leaseId: string, stepId: string): StepSaveParams => ({
  runId,
  leaseId,
  stepId,
  userId: stepId,
  name: stepId,
  status: "completed",
  output: JSON.stringify(stepId),
  error: null,
  attempt: 0,
  startedAtMs: Date.now(),
  leaseMs: 60_000,
});

describe("stepsSave (group commit)", () => {
  it("stores the steps of several runs in one statement, each fenced by its own lease", async () => {
    await runsStart(
      db.sql,
      [1, 2, 3].map((i) => ({ appId: "app", functionId: "f", functionVersion: 1, eventIds: [`e${i}`], eventSeqs: [i] })),
    );
    const items = await queueClaim(db.sql, { owner: "x", leaseMs: 60_000, functions: [{ appId: "app", functionId: "f" }], limit: 3 });
    const [a, b, c] = items;
    const outcomes = await stepsSave(db.sql, [save(a!.runId, a!.leaseId, "s1"), save(b!.runId, crypto.randomUUID(), "s1"), save(c!.runId, c!.leaseId, "s1")]);
    expect(outcomes.map((o) => o.kind)).toEqual(["stored", "fenced", "stored"]);
    expect(outcomes[0]).toMatchObject({ stepCount: 1, runEnded: false });
    // A replayed result changes nothing; the next step of the same run is stored.
    const again = await stepsSave(db.sql, [save(c!.runId, c!.leaseId, "s1"), save(a!.runId, a!.leaseId, "s2")]);
    expect(again.map((o) => o.kind)).toEqual(["duplicate", "stored"]);
    expect(again[1]).toMatchObject({ stepCount: 2 });
    // A duplicate still renews the lease and reports the stored step count (its memo grew).
    expect(again[0]).toMatchObject({ kind: "duplicate", stepCount: 1 });
    expect((again[0] as { leaseExpiresAtMs: number }).leaseExpiresAtMs).toBeGreaterThan(Date.now() + 30_000);
    const counts = await db.sql`select id, step_count from runs where id = any(${items.map((i) => i.runId)}::uuid[])`;
    expect(Object.fromEntries(counts.map((r) => [r.id, r.step_count]))).toEqual({ [a!.runId]: 2, [b!.runId]: 0, [c!.runId]: 1 });
  });

  it("ends several runs in one statement, each fenced by its own lease, with their lifecycle events", async () => {
    const { stored } = await eventsAppend(
      db.sql,
      [1, 2, 3].map((i) => ({ id: `fin-${i}`, name: "test/fin", data: { i }, user: {}, ts: Date.now(), v: "", producerId: false })),
    );
    await runsStart(
      db.sql,
      stored.map((e) => ({ appId: "app", functionId: "g", functionVersion: 1, eventIds: [e.id], eventSeqs: [e.seq] })),
    );
    const items = await queueClaim(db.sql, { owner: "x", leaseMs: 60_000, functions: [{ appId: "app", functionId: "g" }], limit: 3 });
    const [a, b, c] = items;
    const ended = await runsFinish(db.sql, [
      { runId: a!.runId, leaseId: a!.leaseId, status: "completed", output: '{"ok":1}', error: null, parentError: null },
      { runId: b!.runId, leaseId: crypto.randomUUID(), status: "completed", output: "1", error: null, parentError: null },
      { runId: c!.runId, leaseId: c!.leaseId, status: "failed", output: null, error: { message: "boom" }, parentError: { message: "child failed" } },
    ]);
    expect(ended).toEqual([true, false, true]);
    const runs = await db.sql`select id, status, output, error from runs where id = any(${items.map((i) => i.runId)}::uuid[])`;
    const byId = new Map(runs.map((r) => [r.id as string, r]));
    expect(byId.get(a!.runId)).toMatchObject({ status: "completed", output: '{"ok":1}' });
    expect(byId.get(b!.runId)!.status).not.toMatch(/completed|failed/);
    expect(byId.get(c!.runId)).toMatchObject({ status: "failed", error: { message: "boom" } });
    const sys = await db.sql`select name, data from events where pending order by seq`;
    expect(sys.map((e) => `${e.name} ${e.data.run_id === a!.runId ? "a" : "c"}`).sort()).toEqual([
      "tenax/function.failed c",
      "tenax/function.finished a",
      "tenax/function.finished c",
    ]);
    expect(sys.find((e) => e.data.run_id === a!.runId)!.data).toMatchObject({ result: { ok: 1 }, event: { name: "test/fin", data: { i: 1 } } });
    expect(await runsFinish(db.sql, [{ runId: a!.runId, leaseId: a!.leaseId, status: "failed", output: null, error: null, parentError: null }])).toEqual([
      false,
    ]);
  });
});
