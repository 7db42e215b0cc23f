import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "../db.js";
import { createTestDatabases } from "../testing.js";
import { queueClaim } from "./claim.js";
import { runSleep } from "./park.js";
import { runsStart } from "./runs.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("park"));
});
afterAll(() => db?.close());

async function leased(functionId: string) {
  await runsStart(db.sql, [{ appId: "app", functionId, functionVersion: 1, eventIds: ["e"], eventSeqs: [1] }]);
  const [item] = await queueClaim(db.sql, { owner: "x", leaseMs: 60_000, functions: [{ appId: "app", functionId }], limit: 1 });
  return item!;
}
const sleep = (runId: string, leaseId: string) => runSleep(db.sql, { runId, leaseId, stepId: "s", userId: "nap", name: "nap", dueAtMs: Date.now() + 60_000 });
const state = async (runId: string) => {
  const [row] = await db.sql`select r.status, (select count(*)::int from queue where run_id = r.id) as items,
    (select count(*)::int from timers where run_id = r.id and kind = 'sleep') as timers from runs r where r.id = ${runId}`;
  return row;
};

describe("runSleep (parking a run on a sleep in one statement)", () => {
  it("creates the timer and parks the run; without the lease nothing changes", async () => {
    const item = await leased("sleepy");
    expect(await sleep(item.runId, crypto.randomUUID())).toBe("fenced");
    expect(await state(item.runId)).toMatchObject({ items: 1, timers: 0 });
    expect(await sleep(item.runId, item.leaseId)).toBe("parked");
    expect(await state(item.runId)).toMatchObject({ status: "sleeping", items: 0, timers: 1 });
  });

  it("hands a dirty item back instead of dropping it (something resolved meanwhile)", async () => {
    const item = await leased("dirty");
    await db.sql`update queue set dirty = true where run_id = ${item.runId}`;
    expect(await sleep(item.runId, item.leaseId)).toBe("parked");
    const [q] = await db.sql`select dirty, lease_id from queue where run_id = ${item.runId}`;
    expect(q).toMatchObject({ dirty: false, lease_id: item.leaseId });
    expect(await state(item.runId)).toMatchObject({ items: 1, timers: 1 });
  });

  it("drops the item of a run cancelled while its step ran, and creates no timer", async () => {
    const item = await leased("cancelled");
    await db.sql`update runs set status = 'cancelled' where id = ${item.runId}`;
    expect(await sleep(item.runId, item.leaseId)).toBe("ended");
    expect(await state(item.runId)).toMatchObject({ status: "cancelled", items: 0, timers: 0 });
  });
});
