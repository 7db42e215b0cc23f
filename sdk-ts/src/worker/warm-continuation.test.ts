import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, LeaseExtendedSchema, MemoEntrySchema, OpCode } from "@tenax/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFunction } from "../function/create-function.js";
import type { Handler, HandlerContext } from "../function/types.js";
import type { LogFields, Logger } from "../logger/logger.js";
import { driveRun, type DriveOptions, type RunState } from "../internal-testing/continuation-executor.js";
import { json, silent } from "../internal-testing/execute-handler.js";
import { createFakeSession } from "../internal-testing/fake-session.js";
import { createMemoCache } from "./memo-cache.js";
import { createRequestRunner } from "./request-runner.js";
import { createSemaphore } from "./semaphore.js";
import { createWarmExecutions, type WarmExecutions } from "./warm-executions.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Today's behaviour: nothing kept, every request replays. */
const cold: WarmExecutions = { keep() {}, take: () => undefined, clear() {}, size: () => 0 };

function setup(handler: Handler, options: { warm?: boolean; maxConcurrency?: number; logger?: Logger } = {}) {
  // Capacity 10 even with one slot: the semaphore test holds two runs (the executor would not).
  const fn = createFunction({ id: "fn" }, { event: "order/created" }, handler, "shop");
  const runner = createRequestRunner({
    functions: new Map([["fn", fn]]),
    semaphore: createSemaphore(options.maxConcurrency ?? 10),
    memoCache: createMemoCache(),
    warm: options.warm === false ? cold : createWarmExecutions({ capacity: 10 }),
    logger: options.logger ?? silent,
  });
  return { runner, session: createFakeSession() };
}

/** Five sequential steps; `outside` records the calls made at the handler's top level. */
const fiveSteps =
  (outside: string[], body: (i: number, ctx: HandlerContext) => unknown = (i, ctx) => ({ i, attempt: ctx.attempt })): Handler =>
  async (ctx) => {
    const out: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      outside.push(`top ${i}`);
      out.push(await ctx.step.run(`s${i}`, () => body(i, ctx)));
    }
    outside.push("end");
    return out;
  };

type Body = (i: number, ctx: HandlerContext) => unknown;

/**
 * Drives the same run warm and cold (replay every time); returns both and the
 * top-level calls of each. `body` makes the step bodies of one run.
 */
async function warmAndCold(options: Omit<DriveOptions, "runner" | "session"> & { body?: () => Body } = {}) {
  const outside = { warm: [] as string[], cold: [] as string[] };
  const w = setup(fiveSteps(outside.warm, options.body?.()));
  const warm = await driveRun({ ...options, runner: w.runner, session: w.session });
  expect(w.runner.suspended()).toBe(0);
  const c = setup(fiveSteps(outside.cold, options.body?.()), { warm: false });
  const coldRun = await driveRun({ ...options, runner: c.runner, session: c.session });
  // Identical results, request by request: ops, step ids, data, output.
  expect(warm.results).toEqual(coldRun.results);
  expect(w.session.sent.some((m) => m?.case === "memoFetch")).toBe(false);
  return { warm, cold: coldRun, outside };
}

const at = (index: number, change: (request: Parameters<NonNullable<DriveOptions["before"]>>[0], state: RunState) => void): DriveOptions["before"] => {
  return (request, state) => {
    if (state.index === index) change(request, state);
  };
};

afterEach(() => {
  vi.useRealTimers();
});

describe("warm continuation", () => {
  it("runs code outside steps once across a 5-step run, with the results of a cold replay", async () => {
    const { warm, outside } = await warmAndCold();
    expect(outside.warm).toEqual(["top 0", "top 1", "top 2", "top 3", "top 4", "end"]);
    // Cold: request k replays the k steps before it.
    expect(outside.cold).toHaveLength(1 + 2 + 3 + 4 + 5 + 6);
    expect(warm.results.map((r) => OpCode[r.ops[0].code])).toEqual(["STEP_RAN", "STEP_RAN", "STEP_RAN", "STEP_RAN", "STEP_RAN", "RUN_COMPLETE"]);
    expect(warm.output).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, attempt: 0 })));
  });

  // Each case breaks the continuation of request 3 (after s0..s2 are stored): that request replays
  // s0..s2 (3 extra top-level calls) and, being kept again, the run is warm afterwards.
  const fallbacks: Array<[string, Omit<DriveOptions, "runner" | "session">, number]> = [
    ["a full memo (memo_offset 0)", { before: at(3, (request, state) => void ((request.memoOffset = 0), (request.memo = [...state.memo]))) }, 3],
    ["stored data that differs from what ran", { store: (data, state) => (state.index === 2 ? json({ i: 2, attempt: "stored by another worker" }) : data) }, 3],
    ["a different lease (redelivered)", { before: at(3, (request) => void (request.leaseId = "lease-redelivered")) }, 3],
    ["a different session", { before: at(3, (_, state) => void (state.session = createFakeSession())) }, 3],
    // ctx.attempt differs: request 3 replays at attempt 1 (s3 sees it), request 4 (attempt 0) again.
    ["another attempt", { before: at(3, (request) => void (request.attempt = 1)) }, 3 + 4],
  ];
  for (const [name, options, extra] of fallbacks) {
    it(`replays on ${name}, with the results of a cold replay`, async () => {
      const { outside, warm } = await warmAndCold(options);
      expect(outside.warm).toHaveLength(6 + extra);
      if (name.startsWith("stored")) expect((warm.output as unknown[])[2]).toEqual({ i: 2, attempt: "stored by another worker" });
    });
  }

  it("replays after a step error (retried under a new lease)", async () => {
    const body = () => {
      let failures = 0;
      return (i: number, ctx: HandlerContext) => {
        if (i === 2 && failures++ === 0) throw new Error("flaky");
        return [i, ctx.attempt];
      };
    };
    const { warm, outside } = await warmAndCold({ body });
    expect(warm.results.map((r) => OpCode[r.ops[0].code])).toContain("STEP_ERROR");
    // r2 errs (warm); r3 (attempt 1, new lease) replays s0, s1; r4 (attempt 0) replays s0..s2.
    expect(outside.warm).toHaveLength(6 + 1 + 2 + 3);
    // s2 succeeded on its retry (attempt 1); the attempt is back to 0 after it.
    expect(warm.output).toEqual([
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 0],
    ]);
  });

  it("replays after the idle timeout evicted the suspended execution, leaving no timer", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const outside: string[] = [];
    const { runner, session } = setup(fiveSteps(outside));
    const before: DriveOptions["before"] = (_, state) => {
      if (state.index !== 3) return;
      expect(runner.suspended()).toBe(1);
      vi.advanceTimersByTime(30_000);
      expect(runner.suspended()).toBe(0);
    };
    const run = await driveRun({ runner, session, before });
    expect(outside).toHaveLength(6 + 3);
    expect(run.output).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, attempt: 0 })));
    // The request's lease timer is cleared in the promise chain right after its result went out.
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.inFlight()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("logs every line exactly once, as a cold replay does", async () => {
    const record = (lines: string[]): Logger => ({
      ...silent,
      info: (message: string, fields?: LogFields) => void lines.push(`${message} ${JSON.stringify(fields)}`),
    });
    const handler: Handler = async ({ step, logger }) => {
      for (let i = 0; i < 3; i++) {
        logger.info(`before s${i}`);
        await step.run(`s${i}`, () => logger.info(`in s${i}`));
      }
      logger.info("done");
    };
    const lines = { warm: [] as string[], cold: [] as string[] };
    const w = setup(handler, { logger: record(lines.warm) });
    await driveRun({ runner: w.runner, session: w.session });
    const c = setup(handler, { logger: record(lines.cold), warm: false });
    await driveRun({ runner: c.runner, session: c.session });
    expect(lines.warm).toEqual(lines.cold);
    expect(lines.warm.map((line) => line.split(" {")[0])).toEqual(["before s0", "in s0", "before s1", "in s1", "before s2", "in s2", "done"]);
  });

  it("holds no concurrency slot while suspended, and takes one again to resume", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let gated!: () => void;
    const gateReached = new Promise<void>((resolve) => (gated = resolve));
    const outside = { a: [] as string[], b: [] as string[] };
    const handler: Handler = (ctx) =>
      fiveSteps(ctx.event.data.orderId === "a" ? outside.a : outside.b, (i) => {
        if (ctx.event.data.orderId !== "b" || i !== 3) return i;
        gated();
        return gate.then(() => i);
      })(ctx);
    const { runner } = setup(handler, { maxConcurrency: 1 });
    let b: ReturnType<typeof driveRun> | undefined;
    const before: DriveOptions["before"] = async (_, state) => {
      if (state.index === 2) {
        // Run a is suspended: run b can use the only slot, up to its gated step s3.
        b = driveRun({ runner, session: createFakeSession(), runId: "run-b", data: { orderId: "b" } });
        await gateReached;
      }
    };
    const a = driveRun({ runner, session: createFakeSession(), runId: "run-a", data: { orderId: "a" }, before });
    await gateReached;
    // Run a's continuation waits for the slot run b holds.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(outside.a).toEqual(["top 0", "top 1"]);
    release();
    const [ra, rb] = await Promise.all([a, gateReached.then(() => b!)]);
    expect(ra.output).toEqual([0, 1, 2, 3, 4]);
    expect(rb.output).toEqual([0, 1, 2, 3, 4]);
    expect(outside.a).toHaveLength(6);
    expect(outside.b).toHaveLength(6);
    expect(runner.suspended()).toBe(0);
  });

  it("drops the result of a resumed request whose lease is lost, keeps nothing, and the redelivery replays", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const bodyStarted = new Promise<void>((resolve) => (started = resolve));
    let dropped!: () => void;
    const resultDropped = new Promise<void>((resolve) => (dropped = resolve));
    const logger: Logger = { ...silent, warn: (message) => void (message.startsWith("dropping result") && dropped()) };
    const outside: string[] = [];
    const { runner, session } = setup(
      fiveSteps(outside, (i) => (i === 1 ? (started(), gate.then(() => i)) : i)),
      { logger },
    );
    const base = { runId: "run-1", appId: "shop", functionId: "fn", functionVersion: 1, event: { event: { id: "e", name: "order/created", data: {} } } };
    runner.handleExecute(session, create(ExecuteRequestSchema, { ...base, requestId: "r0", leaseId: "l1" }));
    const s0 = (await session.nextResult()).ops[0];
    const memo = [create(MemoEntrySchema, { stepId: s0.stepId, result: { case: "data", value: s0.data } })];
    runner.handleExecute(session, create(ExecuteRequestSchema, { ...base, requestId: "r1", leaseId: "l1", memoOffset: 0, memo }));
    await bodyStarted;
    expect(outside).toEqual(["top 0", "top 1"]);
    runner.handleLeaseExtended(session, create(LeaseExtendedSchema, { requestId: "r1", ok: false }));
    release();
    await resultDropped;
    expect(session.untakenResults()).toBe(0);
    expect(runner.suspended()).toBe(0);
    // Redelivered under a new lease with the stored memo: a replay, and s1 runs again.
    runner.handleExecute(session, create(ExecuteRequestSchema, { ...base, requestId: "r2", leaseId: "l2", memo }));
    expect((await session.nextResult()).ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "s1" });
    expect(outside).toEqual(["top 0", "top 1", "top 0", "top 1"]);
  });

  it("drops suspended executions when the session closes and when the worker drains", async () => {
    const { runner, session } = setup(fiveSteps([]));
    const first = { runId: "run-1", appId: "shop", functionId: "fn", event: { event: { id: "e", name: "order/created", data: {} } } };
    runner.handleExecute(session, create(ExecuteRequestSchema, { ...first, requestId: "r1", leaseId: "l1" }));
    runner.handleExecute(session, create(ExecuteRequestSchema, { ...first, runId: "run-2", requestId: "r2", leaseId: "l2" }));
    await session.nextResult();
    await session.nextResult();
    expect(runner.suspended()).toBe(2);
    session.close();
    await session.ended;
    expect(runner.suspended()).toBe(0);

    const other = createFakeSession();
    runner.handleExecute(other, create(ExecuteRequestSchema, { ...first, requestId: "r3", leaseId: "l3" }));
    await other.nextResult();
    expect(runner.suspended()).toBe(1);
    runner.drain();
    expect(runner.suspended()).toBe(0);
  });
});

describe("warm continuation: nothing retained", () => {
  /** True once every handler context is garbage-collected. */
  async function collected(refs: Array<WeakRef<object>>): Promise<boolean> {
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      if (refs.every((ref) => ref.deref() === undefined)) return true;
    }
    return false;
  }

  const tracked = (refs: Array<WeakRef<object>>): Handler => {
    const steps = fiveSteps([]);
    return (ctx) => {
      refs.push(new WeakRef(ctx));
      return steps(ctx);
    };
  };

  it("frees the run's execution once it completed, and those dropped by a fallback", async () => {
    const refs: Array<WeakRef<object>> = [];
    const { runner, session } = setup(tracked(refs));
    await driveRun({ runner, session, before: at(3, (request) => void (request.leaseId = "lease-redelivered")) });
    // One execution until the fallback, one after it.
    expect(refs).toHaveLength(2);
    expect(runner.suspended()).toBe(0);
    expect(await collected(refs)).toBe(true);
  });

  it("frees suspended executions evicted by a closed session", async () => {
    const refs: Array<WeakRef<object>> = [];
    const { runner, session } = setup(tracked(refs));
    runner.handleExecute(
      session,
      create(ExecuteRequestSchema, { requestId: "r1", leaseId: "l1", runId: "run-1", functionId: "fn", event: { event: { id: "e", name: "x" } } }),
    );
    await session.nextResult();
    expect(runner.suspended()).toBe(1);
    expect(await collected(refs)).toBe(false);
    session.close();
    await session.ended;
    expect(await collected(refs)).toBe(true);
  });
});
