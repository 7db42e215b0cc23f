import { describe, expect, it } from "vitest";
import type { Logger } from "@tenax/common";
import type { Clock } from "./clock.js";
import { failedPassRetryMs, startTimerLoop } from "./timer-loop.js";

/** A clock that moves only when told to. */
function createFakeClock(): Clock & { advance(ms: number): Promise<void>; pending(): number[] } {
  let now = 1_000_000;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    schedule(fn, ms) {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    cancel: (handle) => void timers.delete(handle as number),
    pending: () => [...timers.values()].map((t) => t.at - now),
    async advance(ms) {
      now += ms;
      for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (t.at > now) continue;
        timers.delete(id);
        t.fn();
        await settle();
      }
      await settle();
    },
  };
}

/** Stopping wakes the loop at "now": the fake clock must fire that wake-up. */
async function stop(loop: { stop(): Promise<void> }, clock: { advance(ms: number): Promise<void> }) {
  const stopped = loop.stop();
  await clock.advance(0);
  await stopped;
}

/** Lets the loop's promise chain run (no time passes on the fake clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const logger = { warn() {}, info() {}, error() {}, debug() {} } as unknown as Logger;

/** A pass that records when it ran and answers the next due time given by `due`. */
function createPass(clock: Clock, due: (n: number) => number | Error) {
  const ranAt: number[] = [];
  const pass = async () => {
    ranAt.push(clock.now());
    const d = due(ranAt.length);
    if (d instanceof Error) throw d;
    return d;
  };
  return { pass, ranAt };
}

describe("timer loop", () => {
  it("sleeps until the next due time, and at most maxIdleMs", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { pass, ranAt } = createPass(clock, (n) => (n === 1 ? t0 + 1000 : Infinity));
    const loop = startTimerLoop({ pass, logger, maxIdleMs: 5000, clock });
    await settle();
    expect(clock.pending()).toEqual([1000]);
    await clock.advance(999);
    expect(ranAt).toHaveLength(1);
    await clock.advance(1);
    expect(ranAt).toEqual([t0, t0 + 1000]);
    expect(clock.pending()).toEqual([5000]); // nothing due: the idle safety net
    await stop(loop, clock);
  });

  it("a poke due sooner moves the wake-up; one due later changes nothing; one without a time wakes it now", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { pass, ranAt } = createPass(clock, () => Infinity);
    const loop = startTimerLoop({ pass, logger, maxIdleMs: 5000, clock });
    await settle();
    loop.poke(t0 + 9000);
    expect(clock.pending()).toEqual([5000]);
    loop.poke(t0 + 100);
    expect(clock.pending()).toEqual([100]);
    await clock.advance(100);
    expect(ranAt).toEqual([t0, t0 + 100]);
    loop.poke();
    await clock.advance(0);
    expect(ranAt).toEqual([t0, t0 + 100, t0 + 100]);
    await stop(loop, clock);
  });

  it("a poke during a pass is not lost", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ranAt: number[] = [];
    const pass = async () => {
      ranAt.push(clock.now());
      if (ranAt.length === 1) await gate;
      return Infinity;
    };
    const loop = startTimerLoop({ pass, logger, maxIdleMs: 5000, clock });
    await settle();
    loop.poke(t0 + 300); // arrives while the first pass runs
    release();
    await settle();
    expect(clock.pending()).toEqual([300]);
    await clock.advance(300);
    expect(ranAt).toEqual([t0, t0 + 300]);
    await stop(loop, clock);
  });

  it("a failed pass is retried soon, not after the idle interval", async () => {
    const clock = createFakeClock();
    const t0 = clock.now();
    const { pass, ranAt } = createPass(clock, (n) => (n === 1 ? new Error("database down") : Infinity));
    const loop = startTimerLoop({ pass, logger, maxIdleMs: 60_000, clock });
    await settle();
    expect(clock.pending()).toEqual([failedPassRetryMs]);
    await clock.advance(failedPassRetryMs);
    expect(ranAt).toEqual([t0, t0 + failedPassRetryMs]);
    await stop(loop, clock);
  });

  it("stop wakes a sleeping loop and ends it", async () => {
    const clock = createFakeClock();
    const { pass, ranAt } = createPass(clock, () => Infinity);
    const loop = startTimerLoop({ pass, logger, maxIdleMs: 5000, clock });
    await settle();
    const stopped = loop.stop();
    await clock.advance(0);
    await stopped;
    expect(ranAt).toHaveLength(1);
  });
});
