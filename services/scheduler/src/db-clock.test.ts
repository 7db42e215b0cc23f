import type { Logger } from "@tenax/common";
import { createDatabase, createDbClock, createTestDatabases, type Database } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { systemClock, type Clock } from "./clock.js";
import { startTimerLoop } from "./timer-loop.js";
import { createTimerPass } from "./timer-pass.js";

let db: Database;
beforeAll(async () => {
  db = createDatabase(await (await createTestDatabases(inject("adminUrl"))).clone("db_clock"));
});
afterAll(() => db?.close());

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const skewMs = 60_000; // this process's clock runs a minute ahead of the database's
const skewed = () => Date.now() + skewMs;

describe("the database's clock", () => {
  it("reads the database's time through a skewed local clock", async () => {
    const clock = await createDbClock(db.sql, { localNow: skewed });
    try {
      const [row] = await db.sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`;
      expect(Math.abs(clock.now() - Number(row!.ms))).toBeLessThan(1000);
      expect(Math.abs(clock.offsetMs() + skewMs)).toBeLessThan(1000);
      expect(Number.isInteger(clock.now())).toBe(true); // stored as bigint ms
    } finally {
      clock.stop();
    }
  });

  it("a scheduler whose clock runs ahead plans its sleep on the database's clock instead of spinning on queries", async () => {
    await db.sql`insert into timers (run_id, kind, step_id, due_at) values (gen_random_uuid(), 'sleep', 'nap', now() + interval '5 seconds')`;
    const dbClock = await createDbClock(db.sql, { localNow: skewed });
    const sleeps: number[] = [];
    let passes = 0;
    const timerPass = createTimerPass(db, quiet);
    const pass = () => (passes++, timerPass());
    // Records each planned sleep and never fires it: one pass, then one sleep of about 5 s.
    const clock: Clock = { ...systemClock, now: dbClock.now, schedule: (_fn, ms) => (sleeps.push(ms), 0), cancel() {} };
    const loop = startTimerLoop({ pass, logger: quiet, maxIdleMs: 3_600_000, clock });
    await expect.poll(() => sleeps.length).toBe(1);
    expect(passes).toBe(1);
    expect(sleeps[0]).toBeGreaterThan(3_000);
    expect(sleeps[0]).toBeLessThanOrEqual(5_500);
    dbClock.stop();
    void loop.stop(); // its wake-up is never fired: nothing to await
  });
});
