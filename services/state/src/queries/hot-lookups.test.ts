import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "../db.js";
import { createTestDatabases } from "../testing.js";
import { queueClaimLimited } from "./claim-limited.js";

// The lookups on the hot path, checked with EXPLAIN on large tables: each must use an index,
// never scan the table. 200,000 rows keep the test quick; the plans are the same at 1,000,000
// (checked once with that count).
let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("hot_lookups"));
  await db.sql`
    insert into timers (run_id, kind, step_id, due_at, data)
    select gen_random_uuid(), case when g % 2 = 0 then 'sleep' else 'wait_timeout' end, 's' || g, now() + g * interval '1 second',
      case when g % 2 = 0 then '{}'::jsonb else jsonb_build_object('waitId', g) end
    from generate_series(1, 200000) g`;
  await db.sql`
    insert into queue (run_id, app_id, function_id, lease_id, lease_expires_at)
    select gen_random_uuid(), 'app', 'fn' || (g % 100), gen_random_uuid(), now() + interval '1 minute' from generate_series(1, 200000) g`;
  await db.sql`analyze timers`;
  await db.sql`analyze queue`;
}, 180_000);
afterAll(() => db?.close());

const plan = async (query: string) => (await db.sql.unsafe(`explain ${query}`)).map((r) => r["QUERY PLAN"] as string).join("\n");

describe("hot lookups use an index", () => {
  it("a wait's timeout timer, by its wait id (on every wait consumed and every invoke ended)", async () => {
    const p = await plan(`delete from timers where kind in ('wait_timeout', 'invoke_timeout') and data->>'waitId' = '77'`);
    expect(p).toMatch(/Index Scan using timers_wait_idx|Bitmap Index Scan on timers_wait_idx/);
    expect(p).not.toMatch(/Seq Scan/);
  });

  it("the next timer due (on every scheduler pass), without counting them all", async () => {
    const p = await plan(`select due_at from timers order by due_at limit 1`);
    expect(p).toMatch(/Index Only Scan using timers_due_idx|Index Scan using timers_due_idx/);
    expect(p).not.toMatch(/Seq Scan/);
  });

  it("queue items by lease id (releasing leases)", async () => {
    const p = await plan(`update queue set lease_expires_at = null where lease_id = any(array['6f1c2d2e-0000-4000-8000-000000000000']::uuid[])`);
    expect(p).toMatch(/Index Scan using queue_lease_idx|Bitmap Index Scan on queue_lease_idx/);
    expect(p).not.toMatch(/Seq Scan/);
  });
});

describe("claims under a concurrency limit", () => {
  it("one key at its limit with a long backlog does not starve the keys behind it", async () => {
    const run = async (key: string) =>
      (
        await db.sql`insert into runs (app_id, function_id, function_version, event_ids, event_seqs, concurrency_keys)
        values ('app', 'limited', 1, '{}', '{}', ${[key]}::text[]) returning id`
      )[0]!.id as string;
    // "hot" holds its one slot, and 1,500 more of its items wait; then one "cold" item.
    const running = await run("hot");
    await db.sql`insert into queue (run_id, app_id, function_id, lease_id, lease_expires_at) values (${running}, 'app', 'limited', gen_random_uuid(), now() + interval '1 minute')`;
    const hot = await db.sql`
      insert into runs (app_id, function_id, function_version, event_ids, event_seqs, concurrency_keys)
      select 'app', 'limited', 1, '{}', '{}', array['hot'] from generate_series(1, 1500) returning id`;
    await db.sql`insert into queue (run_id, app_id, function_id) select unnest(${hot.map((r) => r.id as string)}::uuid[]), 'app', 'limited'`;
    const cold = await run("cold");
    await db.sql`insert into queue (run_id, app_id, function_id) values (${cold}, 'app', 'limited')`;
    const claimed = await queueClaimLimited(db.sql, { owner: "test", leaseMs: 60_000, appId: "app", functionId: "limited", limits: [1], max: 10 });
    expect(claimed.map((c) => c.runId)).toEqual([cold]);
  });
});
