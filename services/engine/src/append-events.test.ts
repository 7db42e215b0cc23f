import { create } from "@bufbuild/protobuf";
import { EventSchema, FunctionConfigSchema } from "@tenax/proto";
import { createDatabase, createTestDatabases, transaction, WAIT_LOCK_SLOTS, type Database } from "@tenax/state";
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

  it("a call carrying thousands of event names holds a bounded number of locks, so two at once cannot exhaust the lock table", async () => {
    const batch = (tag: string) => Array.from({ length: 5000 }, (_, i) => ev(`locks/${tag}-${i}`));
    const held = await transaction(db.sql, async (tx) => {
      await appendEvents(tx, [{ kind: "send", events: batch("a"), nowMs: 1 }]);
      const [row] = await tx`select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()`;
      return row!.n as number;
    });
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(WAIT_LOCK_SLOTS);
    // Two such calls at once, each in its own transaction (with a lock per name, 10,000 locks
    // overflow the default lock table: "out of shared memory" for every session).
    const both = await Promise.all(["b", "c"].map((tag) => transaction(db.sql, (tx) => appendEvents(tx, [{ kind: "send", events: batch(tag), nowMs: 1 }]))));
    expect(both.map(([o]) => o!.ok && o.stored.length)).toEqual([5000, 5000]);
  });
});
