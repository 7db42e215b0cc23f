import { create } from "@bufbuild/protobuf";
import { EventSchema, FunctionConfigSchema } from "@tenax/proto";
import { createDatabase, createTestDatabases, transaction, type Database } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appendEvents, type EventEntry } from "./append-events.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("append_events"));
});
afterAll(() => db?.close());

const ev = (name: string, id = "") => create(EventSchema, { name, id, data: { n: 1 } });
const tick = (id: string): EventEntry => ({
  kind: "cron",
  event: { id, producerId: true, name: "tenax/scheduled.timer", data: {}, user: null, ts: Date.now(), v: "" },
  target: { appId: "app", functionId: "nightly", version: 1, config: create(FunctionConfigSchema, {}) },
});

describe("appendEvents", () => {
  it("answers each caller: a refused entry fails its own caller, not the batch", async () => {
    const outcomes = await transaction(db.sql, (tx) =>
      appendEvents(tx, [
        { kind: "send", events: [ev("shop/a", "dup-1"), ev("shop/b")], nowMs: 1 },
        { kind: "send", events: [ev("tenax/forged")], nowMs: 1 },
        { kind: "step", events: [ev("shop/a", "dup-1")], nowMs: 1 },
      ]),
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const [first, refused, dup] = outcomes;
    expect(first!.ok && first.stored.map((e) => e.name)).toEqual(["shop/a", "shop/b"]);
    expect(!refused!.ok && refused.error.message).toMatch(/reserved prefix/);
    // The same producer id later in the batch is a duplicate: its id, nothing stored.
    expect(dup!.ok && { ids: dup.ids, stored: dup.stored.length }).toEqual({ ids: ["dup-1"], stored: 0 });
    const names = await db.sql`select name from events where name like 'shop/%' or name = 'tenax/forged' order by seq`;
    expect(names.map((r) => r.name)).toEqual(["shop/a", "shop/b"]);
  });

  it("a cron or invoke entry starts its target once; the same id again starts nothing", async () => {
    const [fired] = await transaction(db.sql, (tx) => appendEvents(tx, [tick("cron:app:nightly:0:1000")]));
    expect(fired!.ok && fired.startedRunId).toMatch(/^[0-9a-f-]{36}$/);
    const [again] = await transaction(db.sql, (tx) => appendEvents(tx, [tick("cron:app:nightly:0:1000")]));
    expect(again!.ok && { stored: again.stored.length, run: again.startedRunId }).toEqual({ stored: 0, run: null });
    const runs = await db.sql`select function_id from runs where function_id = 'nightly'`;
    expect(runs).toHaveLength(1);
  });
});
