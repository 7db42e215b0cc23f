import type { Logger } from "@tenax/common";
import { createDatabase, createTestDatabases, type Database } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startSystemEventDispatcher, type SystemEventDispatcher } from "./dispatch-system-events.js";

let db: Database;
let dispatcher: SystemEventDispatcher | undefined;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("dispatch_system_events"));
});
afterAll(async () => {
  await dispatcher?.stop();
  await db?.close();
});

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

describe("system event dispatcher", () => {
  it("skips a poison event, recording why, and dispatches every event after it", async () => {
    // A system event whose dispatch always fails: a database trigger refuses to clear its
    // pending flag (the dispatcher's last write), unless it is recorded as poisoned.
    await db.sql.unsafe(`
      create function refuse_poison() returns trigger language plpgsql as $$
      begin raise exception 'poison event % refused', old.id; end $$;
      create trigger refuse_poison before update on events for each row
        when (old.id = 'poison-1' and new.dispatch_error is null) execute function refuse_poison();`);
    const ids = ["good-1", "poison-1", "good-2", "good-3"];
    for (const id of ids) await db.sql`insert into events (id, name, data, ts, pending) values (${id}, 'tenax/function.finished', '{}'::jsonb, 1, true)`;

    const lines: Line[] = [];
    const log = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
    const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: () => logger };
    dispatcher = await startSystemEventDispatcher(db, logger, 50);

    await expect.poll(async () => (await db.sql`select count(*)::int as n from events where pending`)[0]!.n, { timeout: 10_000 }).toBe(0);
    const rows = await db.sql`select id, dispatch_error from events order by seq`;
    expect(rows.map((r) => [r.id, r.dispatch_error])).toEqual([
      ["good-1", null],
      ["poison-1", expect.stringContaining("poison event poison-1 refused")],
      ["good-2", null],
      ["good-3", null],
    ]);
    const skipped = lines.filter((l) => l.level === "error");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ message: "system event skipped: dispatching it fails every time", fields: { eventId: "poison-1" } });

    // Later events are not held up either.
    await db.sql`insert into events (id, name, data, ts, pending) values ('good-4', 'tenax/function.finished', '{}'::jsonb, 1, true)`;
    await db.sql`select pg_notify('tenax_events', '')`;
    await expect.poll(async () => (await db.sql`select pending from events where id = 'good-4'`)[0]!.pending, { timeout: 10_000 }).toBe(false);
  });
});
