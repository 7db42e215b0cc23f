import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "../db.js";
import { createTestDatabases } from "../testing.js";
import { queueClaimLimited } from "./claim-limited.js";
import { queueClaim } from "./claim.js";
import { runsResume } from "./resume.js";
import { runsStart } from "./runs.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("claim_order"));
});
afterAll(() => db?.close());

const start = (functionId: string, n: number) =>
  runsStart(
    db.sql,
    Array.from({ length: n }, (_, i) => ({ appId: "app", functionId, functionVersion: 1, eventIds: [`e${i}`], eventSeqs: [i + 1] })),
  );

/** Claims one item, then simulates the run parking (item dropped) and waking (queued again). */
async function claimParkAndWake(claim: () => Promise<{ runId: string }[]>): Promise<string> {
  const [first] = await claim();
  await db.sql`delete from queue where run_id = ${first!.runId}`;
  await db.sql`update runs set status = 'sleeping' where id = ${first!.runId}`;
  expect(await runsResume(db.sql, [{ runId: first!.runId }])).toBe(1);
  return first!.runId;
}

describe("claim order", () => {
  it("claims a woken run before runs that have not started, then new runs in arrival order", async () => {
    const ids = await start("plain", 3);
    const claim = () => queueClaim(db.sql, { owner: "x", leaseMs: 60_000, functions: [{ appId: "app", functionId: "plain" }], limit: 1 });
    expect(await claimParkAndWake(claim)).toBe(ids[0]);
    expect((await claim()).map((i) => i.runId)).toEqual([ids[0]]); // woken, queued last, claimed first
    expect((await claim()).map((i) => i.runId)).toEqual([ids[1]]);
    expect((await claim()).map((i) => i.runId)).toEqual([ids[2]]);
  });

  it("does the same under concurrency limits", async () => {
    const ids = await start("limited", 3);
    const claim = () => queueClaimLimited(db.sql, { owner: "x", leaseMs: 60_000, appId: "app", functionId: "limited", limits: [1], max: 1 });
    expect(await claimParkAndWake(claim)).toBe(ids[0]);
    expect((await claim()).map((i) => i.runId)).toEqual([ids[0]]);
    await db.sql`delete from queue where run_id = ${ids[0]!}`; // it ended: the slot frees up
    expect((await claim()).map((i) => i.runId)).toEqual([ids[1]]);
  });
});
