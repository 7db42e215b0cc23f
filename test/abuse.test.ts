// Abuse-shaped load (issue 13 items 1–3) against a real stack: thousands of open waits on one
// event name hit by thousands of events, calls carrying thousands of event names at once, and a
// flood of keyless or oversized requests. Meanwhile a control call and a control run must still
// complete (generous deadlines: this is not a speed test), steps keep being stored, and no
// Postgres error such as "out of shared memory" appears in any log.
import * as http from "node:http";
import { createHash } from "node:crypto";
import { createDatabase } from "@tenax/state";
import { RunStatus } from "@tenax/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./setup/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("abuse");
  await stack.worker("basic.ts");
});
afterAll(() => stack?.stop());

const valueKey = (v: unknown) => createHash("sha1").update(JSON.stringify(v)).digest("base64");

/** A control: one event through ingest, and the three-step run it starts, to its end. */
async function control(n: number) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n } }] });
  const run = await stack.runForEvent(ids[0]!, 120_000);
  expect(run.status).toBe(RunStatus.COMPLETED);
}

const logsMention = (text: RegExp) => [...stack.procs.values()].some((p) => p.lines.some((l) => text.test(JSON.stringify(l))));

describe("under abuse, the system keeps serving", () => {
  it("10,000 open waits (keyed and not) on one name, hit by 5,000 events", async () => {
    const db = createDatabase(stack.databaseUrl, { max: 1 });
    try {
      // Waits as the executor stores them: 9,000 keyed by `match: data.orderId`, 1,000 with an
      // `if` that has no key (the most one name may have), each against every event.
      const orderIds = Array.from({ length: 9000 }, (_, i) => `o${i}`);
      await db.sql`
        insert into waits (run_id, step_id, user_id, name, kind, event_name, match, expression, trigger_event, key_path, match_key)
        select gen_random_uuid(), 'w', 'w', 'w', 'event', 'abuse/paid', 'data.orderId', '', jsonb_build_object('data', jsonb_build_object('orderId', o)),
          'data.orderId', k
        from unnest(${orderIds}::text[], ${orderIds.map(valueKey)}::text[]) as x(o, k)`;
      await db.sql`insert into match_paths (event_name, key_path) values ('abuse/paid', 'data.orderId') on conflict do nothing`;
      await db.sql`
        insert into waits (run_id, step_id, user_id, name, kind, event_name, expression, trigger_event)
        select gen_random_uuid(), 'w', 'w', 'w', 'event', 'abuse/paid', 'async.data.amount > event.data.min', jsonb_build_object('data', jsonb_build_object('min', 1000000 + g))
        from generate_series(1, 1000) g`;
    } finally {
      await db.close();
    }
    const events = Array.from({ length: 5000 }, (_, i) => ({ name: "abuse/paid", data: { orderId: `x${i}`, amount: i } }));
    const sending = stack.ingest.sendEvents({ events }, { timeoutMs: 300_000 });
    await control(1);
    expect((await sending).ids).toHaveLength(5000);
    // None of those events matches any wait (other order ids, amounts under every minimum).
    const check = createDatabase(stack.databaseUrl, { max: 1 });
    try {
      expect((await check.sql`select count(*)::int as n from waits where event_name = 'abuse/paid'`)[0]!.n).toBe(10_000);
    } finally {
      await check.close();
    }
  });

  it("two calls at once, each carrying 5,000 distinct event names", async () => {
    const batch = (tag: string) => Array.from({ length: 5000 }, (_, i) => ({ name: `abuse/${tag}-${i}` }));
    const sends = Promise.all([stack.ingest.sendEvents({ events: batch("a") }), stack.ingest.sendEvents({ events: batch("b") })]);
    await control(2);
    expect((await sends).map((r) => r.ids.length)).toEqual([5000, 5000]);
  });

  it("a flood of requests declaring bodies far over the limit, never sent", async () => {
    const url = new URL("/tenax.v1.RunService/ListRuns", stack.ingestUrl);
    const flood = Array.from(
      { length: 200 },
      () =>
        new Promise<number>((resolve) => {
          const req = http.request(
            url,
            { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": "900000000" } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on("error", () => resolve(-1));
          req.flushHeaders();
          req.write("{");
        }),
    );
    await control(3);
    const statuses = await Promise.all(flood);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(150); // refused from their headers
  });

  it("no Postgres resource error in any log, and every service still up", () => {
    expect(logsMention(/out of shared memory|max_locks_per_transaction|too many connections/)).toBe(false);
    for (const name of ["ingest", "executor", "scheduler"]) expect(stack.procs.get(name)!.child.exitCode).toBeNull();
  });
});
