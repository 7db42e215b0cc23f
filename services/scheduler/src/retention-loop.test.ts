import type { Logger } from "@tenax/common";
import { createDatabase, createTestDatabases, type Database } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startRetentionLoop } from "./retention-loop.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("retention"));
});
afterAll(() => db?.close());

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const day = 86_400_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function run(status: string, opts: { endedAgo?: number; createdAgo?: number; events?: string[]; version?: number } = {}) {
  const [row] = await db.sql`
    insert into runs (app_id, function_id, function_version, status, event_ids, event_seqs, created_at, ended_at)
    values ('app', 'fn', ${opts.version ?? 1}, ${status}::run_status, ${opts.events ?? []}::text[], '{}'::bigint[],
      ${ago(opts.createdAgo ?? 0)}::timestamptz, ${opts.endedAgo === undefined ? null : ago(opts.endedAgo)}::timestamptz)
    returning id`;
  await db.sql`insert into steps (run_id, step_id, user_id, name, status, output) values (${row!.id}, 's1', 's1', 's1', 'completed', '1')`;
  return row!.id as string;
}

async function event(id: string, receivedAgo: number, pending = false) {
  await db.sql`insert into events (id, name, data, ts, received_at, pending) values (${id}, 'ret/e', '{}'::jsonb, 1, ${ago(receivedAgo)}::timestamptz, ${pending})`;
}

const exists = async (table: string, where: string, value: string) =>
  (await db.sql.unsafe(`select count(*)::int as n from ${table} where ${where} = $1`, [value]))[0]!.n === 1;

describe("retention", () => {
  it("deletes what is past its time and keeps what a remaining run still needs", async () => {
    const old = await run("completed", { endedAgo: 8 * day, createdAgo: 8 * day, events: ["ev-old-done"] });
    const recent = await run("failed", { endedAgo: 1 * day, createdAgo: 1 * day });
    const live = await run("sleeping", { createdAgo: 30 * day, events: ["ev-old-live"] });
    await event("ev-old-done", 8 * day); // its run goes first, then it
    await event("ev-old-live", 30 * day); // its run is still going: kept
    await event("ev-old-free", 9 * day); // started nothing: deleted
    await event("ev-old-pending", 9 * day, true); // not yet dispatched: kept
    await event("ev-new", 1000);
    await db.sql`insert into event_ids (id, seq, created_at) values ('dedupe-old', 1, ${ago(2 * day)}::timestamptz), ('dedupe-new', 2, now())`;
    await db.sql`insert into idempotency_keys (app_id, function_id, key, created_at) values ('app', 'fn', 'k-old', ${ago(2 * day)}::timestamptz), ('app', 'fn', 'k-new', now())`;
    await db.sql`insert into workers (connection_id, executor_id, instance_id, app_id, app_version, sdk, function_ids, max_concurrency, disconnected_at)
      values ('w-gone', 'x', 'i', 'app', '1', 'ts', '{}', 1, ${ago(8 * day)}::timestamptz), ('w-live', 'x', 'i', 'app', '1', 'ts', '{}', 1, null)`;
    // fn: version 1 (used by the live run), 2 (used by nothing, replaced 2 h ago), 3 (current).
    for (const [v, createdAgo] of [
      [1, 10 * day],
      [2, 5 * day],
      [3, 2 * 3_600_000],
    ] as const)
      await db.sql`insert into function_versions (app_id, function_id, version, app_version, config, created_at) values ('app', 'fn', ${v}, '1', '{}'::jsonb, ${ago(createdAgo)})`;
    await db.sql`insert into functions (app_id, function_id, version, config) values ('app', 'fn', 3, '{}'::jsonb)`;

    const loop = startRetentionLoop(db, quiet, { retentionMs: 7 * day, intervalMs: 3_600_000 });
    try {
      expect(await loop.pass()).toEqual({ runs: 1, events: 2, keys: 1, workers: 1, versions: 1 });
      expect(await loop.pass()).toEqual({ runs: 0, events: 0, keys: 0, workers: 0, versions: 0 });
    } finally {
      await loop.stop();
    }
    expect([await exists("runs", "id::text", old), await exists("runs", "id::text", recent), await exists("runs", "id::text", live)]).toEqual([
      false,
      true,
      true,
    ]);
    expect([await exists("steps", "run_id::text", old), await exists("steps", "run_id::text", live)]).toEqual([false, true]);
    const events = (await db.sql`select id from events where name = 'ret/e' order by id`).map((r) => r.id);
    expect(events).toEqual(["ev-new", "ev-old-live", "ev-old-pending"]);
    expect((await db.sql`select id from event_ids order by id`).map((r) => r.id)).toEqual(["dedupe-new"]);
    expect((await db.sql`select key from idempotency_keys order by key`).map((r) => r.key)).toEqual(["k-new"]);
    expect((await db.sql`select connection_id from workers`).map((r) => r.connection_id)).toEqual(["w-live"]);
    expect((await db.sql`select version from function_versions order by version`).map((r) => r.version)).toEqual([1, 3]);
  });

  it("works through a backlog in bounded batches, in one pass", async () => {
    await db.sql`
      insert into runs (app_id, function_id, function_version, status, event_ids, event_seqs, ended_at)
      select 'app', 'bulk', 1, 'completed', '{}', '{}', now() - interval '10 days' from generate_series(1, 2500)`;
    const loop = startRetentionLoop(db, quiet, { retentionMs: 7 * day, intervalMs: 3_600_000, batch: 1000 });
    try {
      expect((await loop.pass()).runs).toBe(2500);
    } finally {
      await loop.stop();
    }
    expect((await db.sql`select count(*)::int as n from runs where function_id = 'bulk'`)[0]!.n).toBe(0);
  });
});
