import { describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import { NonRetriableError } from "../errors/non-retriable-error.js";
import { RetryAfterError } from "../errors/retry-after-error.js";
import { createTestEngine, NonDeterminismError } from "./index.js";

const START = Date.UTC(2030, 0, 1);
const tenax = new Tenax({ id: "shop" });

const twoSteps = tenax.createFunction({ id: "two-steps" }, { event: "order/created" }, async ({ event, step }) => {
  const user = await step.run("load-user", () => ({ id: event.data.userId as string }));
  const charge = await step.run("charge", () => ({ chargeId: `ch_${user.id}` }));
  return { charged: charge.chargeId };
});

describe("createTestEngine: t.run", () => {
  it("runs a function to its end and returns output, steps and ops", async () => {
    const t = createTestEngine({ functions: [twoSteps], startAt: START });
    const result = await t.run(twoSteps, { data: { userId: "u1" } });
    expect(result.status).toBe("completed");
    expect(result.output).toEqual({ charged: "ch_u1" });
    expect(result.event.name).toBe("order/created");
    expect(result.steps.map((s) => [s.id, s.type, s.status, s.output])).toEqual([
      ["load-user", "step.run", "completed", { id: "u1" }],
      ["charge", "step.run", "completed", { chargeId: "ch_u1" }],
    ]);
    expect(result.ops.map((o) => [o.request, o.code, o.stepId])).toEqual([
      [0, "STEP_RAN", "load-user"],
      [1, "STEP_RAN", "charge"],
      [2, "RUN_COMPLETE", undefined],
    ]);
    expect(result.ops[2]!.output).toEqual({ charged: "ch_u1" });
  });

  it("retries a failing step with the backoff on virtual time (15 s, 30 s, …), instantly", async () => {
    let calls = 0;
    const flaky = tenax.createFunction({ id: "flaky", retries: 3 }, { event: "flaky/go" }, async ({ step }) => {
      return step.run("call", () => {
        calls++;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return "ok";
      });
    });
    const t = createTestEngine({ functions: [flaky], startAt: START });
    const before = Date.now();
    const result = await t.run(flaky);
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(result.output).toBe("ok");
    expect(result.steps[0]).toMatchObject({ id: "call", attempts: 3 });
    expect(result.ops.map((o) => [o.code, o.attempt])).toEqual([
      ["STEP_ERROR", 0],
      ["STEP_ERROR", 1],
      ["STEP_RAN", 2],
      ["RUN_COMPLETE", 0],
    ]);
    expect(result.ops[0]!.error?.message).toBe("boom 1");
    expect(t.clock.now()).toBe(START + 15_000 + 30_000);
  });

  it("a step out of retries fails for good; the handler can catch it, or the run fails", async () => {
    const failing = tenax.createFunction({ id: "failing", retries: 1 }, { event: "x/fail" }, async ({ step }) => {
      await step.run("always", () => {
        throw new Error("nope");
      });
    });
    const t = createTestEngine({ functions: [failing], startAt: START });
    const result = await t.run(failing);
    expect(result.status).toBe("failed");
    expect(result.error?.name).toBe("StepError");
    expect(result.error?.message).toBe("nope");
    expect(result.steps[0]).toMatchObject({ status: "failed", attempts: 2 });
  });

  it("RetryAfterError and NonRetriableError", async () => {
    let calls = 0;
    const fn = tenax.createFunction({ id: "retry-after" }, { event: "x/ra" }, async ({ step }) => {
      await step.run("limited", () => {
        if (calls++ === 0) throw new RetryAfterError("slow down", "10m");
        return 1;
      });
      await step.run("bad", () => {
        throw new NonRetriableError("no way");
      });
    });
    // RetryAfterError turns "10m" into a time with the real clock: start virtual time at the real now.
    const t = createTestEngine({ functions: [fn] });
    const t0 = t.clock.now();
    const result = await t.run(fn);
    expect(result.ops[0]!.code).toBe("STEP_ERROR");
    const retryAt = result.ops[0]!.retryAt!;
    expect(retryAt - t0).toBeGreaterThan(590_000);
    expect(retryAt - t0).toBeLessThan(610_000);
    expect(result.steps.map((s) => [s.id, s.status, s.attempts])).toEqual([
      ["limited", "completed", 2],
      ["bad", "failed", 1],
    ]);
    expect(result.status).toBe("failed");
    expect(t.clock.now()).toBe(retryAt);
  });

  it("sleeps pass instantly in t.run; under t.start they wait for t.clock.advance", async () => {
    const sleeper = tenax.createFunction({ id: "sleeper" }, { event: "x/sleep" }, async ({ step }) => {
      await step.sleep("nap", "1h");
      return step.run("after", () => "woke");
    });
    const t = createTestEngine({ functions: [sleeper], startAt: START });
    expect((await t.run(sleeper)).output).toBe("woke");
    expect(t.clock.now()).toBe(START + 3_600_000);

    const run = await t.start(sleeper);
    expect(run.status).toBe("sleeping");
    await t.clock.advance("59m");
    expect(run.status).toBe("sleeping");
    await t.clock.advance("1m");
    expect(run.status).toBe("completed");
    expect(run.output).toBe("woke");
    expect(run.ops.find((o) => o.code === "SLEEP")?.until).toBe(START + 2 * 3_600_000);
  });
});

describe("createTestEngine: events", () => {
  const waiter = tenax.createFunction({ id: "waiter" }, { event: "order/created" }, async ({ event, step }) => {
    const paid = await step.waitForEvent("wait-paid", { event: "order/paid", match: "data.orderId", timeout: "1d" });
    return { orderId: event.data.orderId, amount: paid ? paid.data.amount : null };
  });

  it("t.send starts runs by trigger and delivers a matching event to a waiting run", async () => {
    const t = createTestEngine({ functions: [waiter], startAt: START });
    const { runs } = await t.send({ name: "order/created", data: { orderId: "o1" } });
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run!.status).toBe("waiting");
    expect(run!.ops[0]).toMatchObject({ code: "WAIT_FOR_EVENT", wait: { event: "order/paid", match: "data.orderId", timeoutAt: START + 86_400_000 } });
    await t.send({ name: "order/paid", data: { orderId: "o2", amount: 1 } });
    expect(run!.status).toBe("waiting");
    await t.send({ name: "order/paid", data: { orderId: "o1", amount: 42 } });
    expect(run!.status).toBe("completed");
    expect(run!.output).toEqual({ orderId: "o1", amount: 42 });
    expect(run!.steps[0]).toMatchObject({ id: "wait-paid", type: "step.waitForEvent", output: { name: "order/paid", data: { orderId: "o1", amount: 42 } } });
  });

  it("a wait times out with null on virtual time", async () => {
    const t = createTestEngine({ functions: [waiter], startAt: START });
    const result = await t.run(waiter, { data: { orderId: "o1" } });
    expect(result.output).toEqual({ orderId: "o1", amount: null });
    expect(t.clock.now()).toBe(START + 86_400_000);
  });

  it("a trigger's if filters events (a missing field is no match), with the services' matching", async () => {
    const big = tenax.createFunction({ id: "big" }, { event: "order/created", if: "event.data.amount > 100" }, async () => "big");
    const t = createTestEngine({ functions: [big], startAt: START });
    const sent = await t.send([
      { name: "order/created", data: { amount: 150 } },
      { name: "order/created", data: { amount: 50 } },
      { name: "order/created", data: {} },
    ]);
    expect(sent.runs.map((r) => r.event.data)).toEqual([{ amount: 150 }]);
    expect(sent.ids).toHaveLength(3);
  });

  it("an event id seen before starts nothing and returns the same id", async () => {
    const t = createTestEngine({ functions: [twoSteps], startAt: START });
    const first = await t.send({ name: "order/created", id: "e-1", data: { userId: "u" } });
    const again = await t.send({ name: "order/created", id: "e-1", data: { userId: "u" } });
    expect(again.ids).toEqual(["e-1"]);
    expect(first.runs).toHaveLength(1);
    expect(again.runs).toHaveLength(0);
  });

  it("cancelOn cancels a sleeping run", async () => {
    const cancellable = tenax.createFunction(
      { id: "cancellable", cancelOn: { event: "order/cancelled", match: "data.orderId" } },
      { event: "order/created" },
      async ({ step }) => {
        await step.sleep("wait", "1d");
        return "done";
      },
    );
    const t = createTestEngine({ functions: [cancellable], startAt: START });
    const { runs } = await t.send({ name: "order/created", data: { orderId: "o1" } });
    await t.send({ name: "order/cancelled", data: { orderId: "o2" } });
    expect(runs[0]!.status).toBe("sleeping");
    await t.send({ name: "order/cancelled", data: { orderId: "o1" } });
    const result = await runs[0]!.result();
    expect(result.status).toBe("cancelled");
    expect(t.events.map((e) => e.name)).toContain("tenax/function.cancelled");
  });

  it("step.sendEvent triggers functions; step.invoke runs the child in-process", async () => {
    const child = tenax.createFunction({ id: "child" }, { event: "child/never" }, async ({ event, step }) => {
      return step.run("double", () => (event.data.n as number) * 2);
    });
    const notified = tenax.createFunction({ id: "notified" }, { event: "order/confirmed" }, async ({ event }) => event.data.orderId);
    const parent = tenax.createFunction({ id: "parent" }, { event: "order/created" }, async ({ step }) => {
      const doubled = await step.invoke("call-child", { function: child, data: { n: 21 } });
      const { ids } = await step.sendEvent("notify", { name: "order/confirmed", data: { orderId: "o1" } });
      return { doubled, sent: ids.length };
    });
    const t = createTestEngine({ functions: [parent, child, notified], startAt: START });
    const result = await t.run(parent);
    expect(result.output).toEqual({ doubled: 42, sent: 1 });
    const runs = t.runs.map((r) => [r.functionId, r.status, r.output]);
    expect(runs).toContainEqual(["child", "completed", 42]);
    expect(runs).toContainEqual(["notified", "completed", "o1"]);
  });

  it("a failing run triggers its onFailure function", async () => {
    const seen: string[] = [];
    const fragile = tenax.createFunction(
      {
        id: "fragile",
        retries: 0,
        onFailure: async ({ error, step }) => {
          await step.run("alert", () => void seen.push(error.message));
        },
      },
      { event: "x/fragile" },
      async () => {
        throw new Error("broken");
      },
    );
    const t = createTestEngine({ functions: [fragile], startAt: START });
    const { runs } = await t.send({ name: "x/fragile" });
    expect((await runs[0]!.result()).status).toBe("failed");
    const failure = t.runs.find((r) => r.functionId === "fragile-failure");
    expect(failure?.status).toBe("completed");
    expect(seen).toEqual(["broken"]);
  });

  it("parallel steps each run, then the handler goes on", async () => {
    const parallel = tenax.createFunction({ id: "parallel" }, { event: "x/par" }, async ({ step }) => {
      const [a, b] = await Promise.all([step.run("a", () => 1), step.run("b", () => 2)]);
      const c = await step.run("c", () => a + b);
      return c;
    });
    const t = createTestEngine({ functions: [parallel], startAt: START });
    const result = await t.run(parallel);
    expect(result.output).toBe(3);
    expect(result.steps.map((s) => s.id)).toEqual(["a", "b", "c"]);
    // After parallel steps the run is in plan mode: every further step.run is planned, then run on its own.
    expect(result.ops.filter((o) => o.code === "STEP_PLANNED").map((o) => o.stepId)).toEqual(["a", "b", "c"]);
  });
});

describe("createTestEngine: mocks", () => {
  it("mockStep replaces a step's body with a value, a function, or a throw", async () => {
    const t = createTestEngine({ functions: [twoSteps], startAt: START });
    t.mockStep("load-user", { id: "mocked" });
    expect((await t.run(twoSteps, { data: { userId: "u1" } })).output).toEqual({ charged: "ch_mocked" });

    const charge = t.mockStep("charge", ({ attempt }) => {
      if (attempt < 2) throw new Error("card declined");
      return { chargeId: "ch_retried" };
    });
    const result = await t.run(twoSteps, { data: { userId: "u1" } });
    expect(result.output).toEqual({ charged: "ch_retried" });
    expect(charge.calls).toBe(3);
  });

  it("mocks a waitForEvent or an invoke: the step resolves with the mock's value", async () => {
    const fn = tenax.createFunction({ id: "mock-wait" }, { event: "x/mw" }, async ({ step }) => {
      const paid = await step.waitForEvent("wait-paid", { event: "order/paid", timeout: "1h" });
      await step.sleep("nap", "1d");
      return paid?.data;
    });
    const t = createTestEngine({ functions: [fn], startAt: START });
    t.mockStep("wait-paid", { name: "order/paid", data: { amount: 5 } });
    t.mockStep("nap", null);
    const result = await t.run(fn);
    expect(result.output).toEqual({ amount: 5 });
    expect(t.clock.now()).toBe(START);
  });
});

describe("createTestEngine: crash injection", () => {
  it("resumes a deterministic handler from its memo after step N", async () => {
    const t = createTestEngine({ functions: [twoSteps], startAt: START });
    const result = await t.run(twoSteps, { data: { userId: "u1" } }, { crashAfterStep: "every" });
    expect(result.output).toEqual({ charged: "ch_u1" });
    expect(result.crashes.map((c) => [c.afterStep, c.replayedSteps])).toEqual([
      [1, ["load-user", "charge"]],
      [2, ["load-user", "charge"]],
    ]);
    expect(result.nondeterminism).toBeUndefined();
  });

  it("reports the first difference when code outside steps is not deterministic", async () => {
    let replays = 0;
    const sloppy = tenax.createFunction({ id: "sloppy" }, { event: "x/sloppy" }, async ({ step }) => {
      await step.run("first", () => 1);
      // Decided outside a step: differs on every replay.
      const branch = replays++ % 2 === 0 ? "email" : "sms";
      await step.run(`notify-${branch}`, () => branch);
      return "done";
    });
    const t = createTestEngine({ functions: [sloppy], startAt: START });
    const failure = await t.run(sloppy, {}, { crashAfterStep: 1 }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(NonDeterminismError);
    const { difference } = failure as NonDeterminismError;
    expect(difference.afterStep).toBe(1);
    expect(difference.index).toBe(1);
    expect([difference.first, difference.second].sort()).toEqual(["notify-email", "notify-sms"]);
    expect((failure as Error).message).toMatch(/step call #2 was "notify-(email|sms)" the first time and "notify-(email|sms)" the second/);
  });
});

describe("the README example", () => {
  const processOrder = tenax.createFunction({ id: "process-order", retries: 4 }, { event: "order/created" }, async ({ event, step }) => {
    const user = await step.run("fetch-user", () => ({ id: event.data.userId as string }));
    const charge = await step.run("charge", (): { id: string } => {
      throw new Error(`no gateway in tests for ${user.id}`);
    });
    return { charged: charge.id };
  });
  const checkout = tenax.createFunction({ id: "checkout" }, { event: "order/created" }, async ({ step }) => {
    const paid = await step.waitForEvent("wait-for-payment", { event: "order/paid", match: "data.orderId", timeout: "3d" });
    return { status: paid ? "paid" : "expired" };
  });

  it("charges and returns the charge id", async () => {
    const t = createTestEngine({ functions: [processOrder, checkout] });
    t.mockStep("charge", ({ attempt }) => {
      if (attempt < 2) throw new Error("gateway timeout");
      return { id: "ch_1" };
    });
    const result = await t.run(processOrder, { data: { userId: "u1", amount: 42 } });
    expect(result.status).toBe("completed");
    expect(result.output).toEqual({ charged: "ch_1" });
    expect(result.steps.map((s) => s.id)).toEqual(["fetch-user", "charge"]);
    expect(result.ops.map((o) => o.code)).toEqual(["STEP_RAN", "STEP_ERROR", "STEP_ERROR", "STEP_RAN", "RUN_COMPLETE"]);
  });

  it("waits for the payment event", async () => {
    const t = createTestEngine({ functions: [checkout] });
    const { runs } = await t.send({ name: "order/created", data: { orderId: "o1" } });
    expect(runs[0]!.status).toBe("waiting");
    await t.send({ name: "order/paid", data: { orderId: "o1" } });
    expect((await runs[0]!.result()).output).toEqual({ status: "paid" });
  });

  it("is replay-safe", async () => {
    const t = createTestEngine({ functions: [processOrder] });
    t.mockStep("charge", { id: "ch_1" });
    await t.run(processOrder, { data: { userId: "u1", amount: 42 } }, { crashAfterStep: "every" });
  });
});
