import { randomUUID } from "node:crypto";
import { listenerKey } from "@tenax/match";
import { createDatabase, createTestDatabases, transaction, waitCreate, type Database, type EventRow } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lookUpEventNames, withKeyedListeners } from "./event-name-lookups.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("event_name_lookups"));
});
afterAll(() => db?.close());

const candidate = (data: Record<string, unknown>): EventRow => ({ seq: 1e9, id: "c", name: "keyed/paid", data, user: null, ts: 1, v: "", receivedAtMs: 1 });

/** Opens a wait as the executor does: with its lookup key. */
async function openWait(match: string, expression: string, triggerData: Record<string, unknown>) {
  const triggerEvent = { name: "keyed/created", data: triggerData };
  const key = listenerKey({ match, expression, triggerEvent });
  await waitCreate(db.sql, {
    runId: randomUUID(),
    stepId: "wait",
    userId: "wait",
    name: "wait",
    kind: "event",
    eventName: "keyed/paid",
    match,
    expression,
    triggerEvent,
    ...(key.kind === "scan" ? {} : { keyPath: key.path, matchKey: key.kind === "keyed" ? key.key : null }),
  });
}

describe("listener lookups for new events", () => {
  it("fetch only the keyed waits an event can match, however many wait on its name", async () => {
    for (let i = 0; i < 3000; i++) await openWait("data.orderId", "", { orderId: `o${i}` });
    for (let i = 0; i < 50; i++) await openWait("", "async.data.ref == event.data.orderId && async.data.ok", { orderId: `r${i}` });
    await openWait("data.orderId", "", {}); // can never match: its run's event lacks the field
    await openWait("", "async.data.amount > 10", {}); // no key: tried against every event of the name
    const found = await transaction(db.sql, async (tx) => {
      const byName = await lookUpEventNames(tx, ["keyed/paid"]);
      expect(byName.waits.map((w) => w.expression)).toEqual(["async.data.amount > 10"]);
      expect(byName.paths.map((p) => p.keyPath).sort()).toEqual(["data.orderId", "data.ref"]);
      return withKeyedListeners(tx, byName, [candidate({ orderId: "o1234", ref: "r7" })]);
    });
    expect(found.waits.map((w) => (w.triggerEvent as { data: { orderId?: string } }).data.orderId ?? "")).toEqual(["o1234", "r7", ""]);
    expect(found.waits.at(-1)!.expression).toBe("async.data.amount > 10");
  });

  it("look keys up by index", async () => {
    await db.sql`analyze waits`;
    const plan = await db.sql.unsafe(`explain select w.* from unnest(array['keyed/paid'], array['data.orderId'], array['x'])
      as k(event_name, key_path, match_key) join waits w on w.event_name = k.event_name and w.key_path = k.key_path and w.match_key = k.match_key and w.kind = 'event'`);
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using waits_event_idx|Bitmap Index Scan on waits_event_idx/);
  });
});
