import { createHash } from "node:crypto";
import { ErrorCode, OpCode } from "@tenax/proto";
import { describe, expect, it, vi } from "vitest";
import { NonRetriableError } from "../errors/non-retriable-error.js";
import { RetryAfterError } from "../errors/retry-after-error.js";
import { serializeError } from "../errors/serialize.js";
import type { HandlerContext } from "../function/types.js";
import type { Logger } from "../logger/logger.js";
import { executeFunction, type ExecutionInput, type ExecutionReport } from "./execute.js";
import type { MemoEntryInput } from "./memo.js";
import type { ReportedOp } from "./ops.js";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function report(handler: (ctx: HandlerContext) => unknown, input: Partial<ExecutionInput> = {}): Promise<ExecutionReport> {
  const event = { id: "evt-1", name: "order/created", data: { orderId: "o1" }, ts: 1 };
  return executeFunction(
    { id: "fn", handler },
    { runId: "run-1", functionId: "fn", attempt: 0, maxAttempts: 5, event, events: [event], memo: [], logger: silent, ...input },
  );
}

async function run(handler: (ctx: HandlerContext) => unknown, input: Partial<ExecutionInput> = {}): Promise<ReportedOp[]> {
  return (await report(handler, input)).ops;
}

const hit = (userId: string, value: unknown): MemoEntryInput => ({ stepId: sha1(userId), data: json(value) });

describe("executeFunction: steps", () => {
  it("runs a single new step inline and reports STEP_RAN", async () => {
    const body = vi.fn(() => ({ total: 42 }));
    const ops = await run(async ({ step }) => step.run("fetch-data", body));
    expect(body).toHaveBeenCalledTimes(1);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, stepId: sha1("fetch-data"), userId: "fetch-data", name: "fetch-data", stepType: "step.run" });
    expect(JSON.parse(text(ops[0].data))).toEqual({ total: 42 });
  });

  it("returns memoized results without re-running the step body", async () => {
    const first = vi.fn(() => 1);
    const second = vi.fn(() => 2);
    const ops = await run(
      async ({ step }) => {
        const a = await step.run("a", first);
        const b = await step.run("b", second);
        return a + b;
      },
      { memo: [hit("a", 1), hit("b", 2)] },
    );
    expect(first).not.toHaveBeenCalled();
    expect(second).not.toHaveBeenCalled();
    expect(ops).toEqual([{ code: OpCode.RUN_COMPLETE, data: json(3) }]);
  });

  it("appends counters to repeated step ids", async () => {
    const handler = async ({ step }: HandlerContext) => {
      for (let i = 0; i < 3; i++) await step.run("fetch-data", () => i);
      return "done";
    };
    const ops = await run(handler, { memo: [hit("fetch-data", 0)] });
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, stepId: sha1("fetch-data:1"), userId: "fetch-data:1", name: "fetch-data" });
    const next = await run(handler, { memo: [hit("fetch-data", 0), hit("fetch-data:1", 1)] });
    expect(next[0]).toMatchObject({ userId: "fetch-data:2", stepId: sha1("fetch-data:2") });
    expect(text(next[0].data)).toBe("2");
  });

  it("plans parallel new steps without running them", async () => {
    const body = vi.fn(() => "x");
    const ops = await run(async ({ step }) => Promise.all([step.run("a", body), step.run("b", body)]));
    expect(body).not.toHaveBeenCalled();
    expect(ops).toEqual([
      { code: OpCode.STEP_PLANNED, stepId: sha1("a"), userId: "a", name: "a", stepType: "step.run" },
      { code: OpCode.STEP_PLANNED, stepId: sha1("b"), userId: "b", name: "b", stepType: "step.run" },
    ]);
  });

  it("runs only the target step when target_step_id is set", async () => {
    const a = vi.fn(() => "a");
    const b = vi.fn(() => "b");
    const ops = await run(async ({ step }) => Promise.all([step.run("a", a), step.run("b", b)]), { targetStepId: sha1("b") });
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "b", data: json("b") });
  });

  it("plans a single new step when immediate execution is disabled", async () => {
    const body = vi.fn(() => 1);
    const ops = await run(async ({ step }) => step.run("a", body), { disableImmediateExecution: true });
    expect(body).not.toHaveBeenCalled();
    expect(ops).toEqual([{ code: OpCode.STEP_PLANNED, stepId: sha1("a"), userId: "a", name: "a", stepType: "step.run" }]);
  });

  it("fails a nested step without retries instead of hanging", async () => {
    const ops = await run(async ({ step }) => step.run("outer", () => step.run("inner", () => 1)));
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_FAILED, userId: "outer", noRetry: true, error: { message: expect.stringContaining("nested") } });
  });

  it("waits for non-step async work before the first step", async () => {
    const ops = await run(async ({ step }) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return step.run("late", () => "ok");
    });
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "late" });
  });

  it("passes event, run id and attempt to the handler", async () => {
    const ops = await run(async ({ event, events, runId, attempt }) => ({ id: event.data.orderId, n: events.length, runId, attempt }), {
      attempt: 2,
    });
    expect(JSON.parse(text(ops[0].data))).toEqual({ id: "o1", n: 1, runId: "run-1", attempt: 2 });
  });
});

describe("executeFunction: JSON round trip", () => {
  it("serializes step output as JSON and replays the parsed value", async () => {
    const at = new Date("2024-01-02T03:04:05.000Z");
    const ops = await run(async ({ step }) => step.run("a", () => ({ at, gone: undefined, list: [undefined, 1] })));
    expect(JSON.parse(text(ops[0].data))).toEqual({ at: "2024-01-02T03:04:05.000Z", list: [null, 1] });

    let replayed: unknown;
    await run(
      async ({ step }) => {
        replayed = await step.run("a", () => ({ at }));
        return null;
      },
      { memo: [{ stepId: sha1("a"), data: ops[0].data }] },
    );
    expect(replayed).toEqual({ at: "2024-01-02T03:04:05.000Z", list: [null, 1] });
  });

  it("turns undefined into null", async () => {
    const ops = await run(async ({ step }) => step.run("a", () => undefined));
    expect(text(ops[0].data)).toBe("null");
    let replayed: unknown = "unset";
    await run(
      async ({ step }) => {
        replayed = await step.run("a", () => undefined);
      },
      { memo: [{ stepId: sha1("a"), data: ops[0].data }] },
    );
    expect(replayed).toBeNull();
  });
});

describe("executeFunction: step errors", () => {
  it("reports a plain Error as a retriable STEP_ERROR", async () => {
    const ops = await run(async ({ step }) =>
      step.run("a", () => {
        throw new TypeError("boom");
      }),
    );
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_ERROR, userId: "a", error: { name: "TypeError", message: "boom", code: ErrorCode.USER } });
    expect(ops[0].noRetry).toBeFalsy();
    expect(ops[0].retryAfterMs).toBeUndefined();
  });

  it("reports NonRetriableError as STEP_FAILED with no_retry", async () => {
    const ops = await run(async ({ step }) =>
      step.run("a", async () => {
        throw new NonRetriableError("bad input");
      }),
    );
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_FAILED, noRetry: true, error: { name: "NonRetriableError", message: "bad input" } });
  });

  it("sets retry_after_ms for RetryAfterError", async () => {
    const before = Date.now();
    const ops = await run(async ({ step }) =>
      step.run("a", () => {
        throw new RetryAfterError("rate limited", "30s");
      }),
    );
    expect(ops[0].code).toBe(OpCode.STEP_ERROR);
    const at = Number(ops[0].retryAfterMs);
    expect(at).toBeGreaterThanOrEqual(before + 30_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it("sets an absolute retry_after_ms for a RetryAfterError given in ms or as a Date", async () => {
    const before = Date.now();
    const [inMs] = await run(async ({ step }) =>
      step.run("a", () => {
        throw new RetryAfterError("busy", 5000, { cause: new Error("429") });
      }),
    );
    expect(Number(inMs.retryAfterMs)).toBeGreaterThanOrEqual(before + 5000);
    expect(Number(inMs.retryAfterMs)).toBeLessThanOrEqual(Date.now() + 5000);
    expect(inMs.error).toMatchObject({ name: "RetryAfterError", cause: { message: "429" } });
    const at = new Date(before + 90_000);
    const [atDate] = await run(async ({ step }) =>
      step.run("a", () => {
        throw new RetryAfterError("busy", at);
      }),
    );
    expect(atDate.retryAfterMs).toBe(BigInt(at.getTime()));
  });

  it("wraps a thrown string or object in a step, keeping its text", async () => {
    const [str] = await run(async ({ step }) =>
      step.run("a", () => {
        throw "upstream said no";
      }),
    );
    expect(str).toMatchObject({ code: OpCode.STEP_ERROR, error: { code: ErrorCode.NON_ERROR_THROWN, message: "upstream said no" } });
    const [obj] = await run(async ({ step }) =>
      step.run("a", async () => {
        throw { status: 500 };
      }),
    );
    expect(obj.error!.message).toContain('"status":500');
  });

  it("rejects a memoized failure with a catchable StepError (fallback pattern)", async () => {
    const failure = serializeError(new Error("primary down"));
    let caught: any;
    const ops = await run(
      async ({ step }) => {
        try {
          return await step.run("primary", () => "primary");
        } catch (err) {
          caught = err;
          return await step.run("fallback", () => "fallback");
        }
      },
      { memo: [{ stepId: sha1("primary"), error: failure }] },
    );
    expect(caught).toMatchObject({ name: "StepError", code: "step_failed", message: "primary down", stepId: "primary" });
    expect(caught.cause).toMatchObject({ name: "Error", message: "primary down" });
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "fallback", data: json("fallback") });
  });

  it("fails the run without retries when a StepError escapes the handler", async () => {
    const ops = await run(async ({ step }) => step.run("a", () => 1), {
      memo: [{ stepId: sha1("a"), error: serializeError(new Error("gave up")) }],
    });
    expect(ops[0]).toMatchObject({
      code: OpCode.RUN_ERROR,
      noRetry: true,
      error: { name: "StepError", message: "gave up", code: ErrorCode.STEP_FAILED, cause: { message: "gave up" } },
    });
  });
});

describe("executeFunction: run outcome", () => {
  it("reports RUN_COMPLETE with the JSON return value", async () => {
    expect(await run(async () => ({ ok: true }))).toEqual([{ code: OpCode.RUN_COMPLETE, data: json({ ok: true }) }]);
    expect(await run(() => undefined)).toEqual([{ code: OpCode.RUN_COMPLETE, data: json(null) }]);
  });

  it("reports RUN_ERROR for a throwing handler", async () => {
    const [plain] = await run(async () => {
      throw new Error("nope");
    });
    expect(plain).toMatchObject({ code: OpCode.RUN_ERROR, noRetry: false, error: { message: "nope" } });

    const [fatal] = await run(() => {
      throw new NonRetriableError("fatal");
    });
    expect(fatal).toMatchObject({ code: OpCode.RUN_ERROR, noRetry: true });

    const [later] = await run(async () => {
      throw new RetryAfterError("later", new Date(Date.now() + 60_000));
    });
    expect(Number(later.retryAfterMs)).toBeGreaterThan(Date.now());

    const [weird] = await run(async () => {
      throw { reason: "not an error" };
    });
    expect(weird.error).toMatchObject({ code: ErrorCode.NON_ERROR_THROWN, name: "NonErrorThrown", message: '{"reason":"not an error"}' });
  });

  it("fails without retries when the return value cannot be serialized", async () => {
    const [op] = await run(async () => ({ big: 1n }));
    expect(op).toMatchObject({ code: OpCode.RUN_ERROR, noRetry: true });
  });
});

describe("executeFunction: steps carried out by the executor", () => {
  it("reports a single new sleep as its op instead of STEP_RAN", async () => {
    const ops = await run(
      async ({ step }) => {
        await step.run("a", () => 1);
        await step.sleep("nap", "1s");
      },
      { memo: [hit("a", 1)], now: () => 1000 },
    );
    expect(ops).toEqual([
      { code: OpCode.SLEEP, stepId: sha1("nap"), userId: "nap", name: "nap", stepType: "step.sleep", opts: { case: "sleep", value: { untilMs: 2000n } } },
    ]);
  });

  it("reports mixed parallel steps: step.run as STEP_PLANNED, the others as their own ops, in discovery order", async () => {
    const body = vi.fn(() => 1);
    const ops = await run(
      async ({ step }) =>
        Promise.all([
          step.run("a", body),
          step.sleep("nap", "1m"),
          step.waitForEvent("paid", { event: "order/paid", timeout: "1h" }),
          step.invoke("child", { function: "child-fn" }),
          step.sendEvent("notify", { name: "n/x" }),
          step.run("b", body),
        ]),
      { now: () => 0 },
    );
    expect(body).not.toHaveBeenCalled();
    expect(ops.map((op) => [op.code, op.userId, op.stepType])).toEqual([
      [OpCode.STEP_PLANNED, "a", "step.run"],
      [OpCode.SLEEP, "nap", "step.sleep"],
      [OpCode.WAIT_FOR_EVENT, "paid", "step.waitForEvent"],
      [OpCode.INVOKE_FUNCTION, "child", "step.invoke"],
      [OpCode.SEND_EVENT, "notify", "step.sendEvent"],
      [OpCode.STEP_PLANNED, "b", "step.run"],
    ]);
    expect(ops[0].opts).toBeUndefined();
    expect(ops[1].opts).toEqual({ case: "sleep", value: { untilMs: 60_000n } });
  });

  it("reports an op step even with immediate execution disabled", async () => {
    const ops = await run(async ({ step }) => step.sleep("nap", 5), { disableImmediateExecution: true, now: () => 0 });
    expect(ops).toMatchObject([{ code: OpCode.SLEEP, opts: { case: "sleep", value: { untilMs: 5n } } }]);
  });

  it("shares one id counter across tools", async () => {
    const handler = async ({ step }: HandlerContext) => {
      await step.run("x", () => 0);
      await step.sleep("x", "1s");
      await step.waitForEvent("x", { event: "e", timeout: "1s" });
      await step.invoke("x", { function: "f" });
      await step.sendEvent("x", { name: "e" });
      return step.run("x", () => 5);
    };
    const memo: MemoEntryInput[] = [];
    const seen: Array<[OpCode, string | undefined]> = [];
    for (const value of [0, null, null, "child", { ids: ["e1"] }]) {
      const [op] = await run(handler, { memo });
      seen.push([op.code, op.userId]);
      expect(op.stepId).toBe(sha1(op.userId!));
      memo.push(hit(op.userId!, value));
    }
    const [last] = await run(handler, { memo });
    seen.push([last.code, last.userId]);
    expect(seen).toEqual([
      [OpCode.STEP_RAN, "x"],
      [OpCode.SLEEP, "x:1"],
      [OpCode.WAIT_FOR_EVENT, "x:2"],
      [OpCode.INVOKE_FUNCTION, "x:3"],
      [OpCode.SEND_EVENT, "x:4"],
      [OpCode.STEP_RAN, "x:5"],
    ]);
  });
});

describe("executeFunction: memo order", () => {
  it("replays Promise.race with the step stored first, not the one called first", async () => {
    let winner: unknown;
    const ops = await run(
      async ({ step }) => {
        winner = await Promise.race([step.run("a", () => "a"), step.run("b", () => "b")]);
        return winner;
      },
      { memo: [hit("b", "b"), hit("a", "a")] },
    );
    expect(winner).toBe("b");
    expect(ops).toEqual([{ code: OpCode.RUN_COMPLETE, data: json("b") }]);

    const again = await run(async ({ step }) => Promise.race([step.run("a", () => "a"), step.run("b", () => "b")]), {
      memo: [hit("a", "a"), hit("b", "b")],
    });
    expect(again).toEqual([{ code: OpCode.RUN_COMPLETE, data: json("a") }]);
  });

  it("replays a race between a finished sleep and a step by memo order", async () => {
    const handler = async ({ step }: HandlerContext) => Promise.race([step.run("fast", () => "fast"), step.sleep("slow", "20s").then(() => "slow")]);
    expect(await run(handler, { memo: [hit("slow", null), hit("fast", "fast")] })).toEqual([{ code: OpCode.RUN_COMPLETE, data: json("slow") }]);
    expect(await run(handler, { memo: [hit("fast", "fast"), hit("slow", null)] })).toEqual([{ code: OpCode.RUN_COMPLETE, data: json("fast") }]);
  });

  it("lets a race winner lead to new steps while the loser is still pending", async () => {
    const ops = await run(
      async ({ step }) => {
        const winner = await Promise.race([step.run("fast", () => "fast"), step.sleep("slow", "20s").then(() => "slow")]);
        return step.run("after-race", () => ({ winner }));
      },
      { memo: [hit("fast", "fast")], now: () => 0 },
    );
    expect(ops.map((op) => [op.code, op.userId])).toEqual([
      [OpCode.SLEEP, "slow"],
      [OpCode.STEP_PLANNED, "after-race"],
    ]);
  });

  it("settles memoized failures in memo order too", async () => {
    const ops = await run(
      async ({ step }) => {
        try {
          return await Promise.race([step.run("a", () => 1), step.run("b", () => 2)]);
        } catch (err) {
          return `caught ${(err as Error).message}`;
        }
      },
      { memo: [{ stepId: sha1("b"), error: serializeError(new Error("b broke")) }, hit("a", 1)] },
    );
    expect(ops).toEqual([{ code: OpCode.RUN_COMPLETE, data: json("caught b broke") }]);
  });

  it("replays a long sequential memo quickly", async () => {
    const memo = Array.from({ length: 300 }, (_, i) => hit(`s${i}`, i));
    const started = Date.now();
    const ops = await run(
      async ({ step }) => {
        let sum = 0;
        for (let i = 0; i < 300; i++) sum += await step.run(`s${i}`, () => i);
        return sum;
      },
      { memo },
    );
    expect(ops).toEqual([{ code: OpCode.RUN_COMPLETE, data: json((299 * 300) / 2) }]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe("executeFunction: determinism warnings", () => {
  it("warns about memo entries never requested when the handler reaches a new step", async () => {
    const { ops, warnings } = await report(async ({ step }) => step.run("renamed", () => 1), { memo: [hit("old", 1)] });
    expect(ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "renamed" });
    expect(warnings).toEqual([{ message: expect.stringContaining("ignored"), fields: { ignoredStepIds: [sha1("old")] } }]);
  });

  it("warns when the handler returns without requesting stored steps", async () => {
    const { warnings } = await report(async () => "done", { memo: [hit("a", 1), hit("b", 2)] });
    expect(warnings).toEqual([{ message: expect.any(String), fields: { ignoredStepIds: [sha1("a"), sha1("b")] } }]);
  });

  it("does not warn when every memo entry was requested, or when the handler throws first", async () => {
    expect((await report(async ({ step }) => step.run("a", () => 1), { memo: [hit("a", 1)] })).warnings).toEqual([]);
    const threw = await report(
      async () => {
        throw new Error("flaky config fetch");
      },
      { memo: [hit("a", 1)] },
    );
    expect(threw.warnings).toEqual([]);
  });

  it("returns the target-not-found warning instead of logging it", async () => {
    const warn = vi.fn();
    const { ops, warnings } = await report(async ({ step }) => Promise.all([step.run("a", () => 1), step.sleep("nap", "1s")]), {
      targetStepId: sha1("gone"),
      logger: { ...silent, warn },
      now: () => 0,
    });
    expect(warn).not.toHaveBeenCalled();
    expect(warnings).toEqual([{ message: expect.stringContaining("target step not reached"), fields: { targetStepId: sha1("gone") } }]);
    expect(ops.map((op) => op.code)).toEqual([OpCode.STEP_PLANNED, OpCode.SLEEP]);
  });
});

describe("shouldYield", () => {
  it("reports YIELD instead of running a new step.run inline; the body does not run", async () => {
    const body = vi.fn(() => 1);
    const { ops } = await report(async ({ step }) => step.run("a", body), { shouldYield: () => true });
    expect(ops).toEqual([{ code: OpCode.YIELD }]);
    expect(body).not.toHaveBeenCalled();
  });

  it("is not asked for executor steps, targeted steps, planned steps or a finished handler", async () => {
    const shouldYield = vi.fn(() => true);
    const sleep = await report(async ({ step }) => step.sleep("nap", "1s"), { shouldYield });
    expect(sleep.ops.map((op) => op.code)).toEqual([OpCode.SLEEP]);
    const target = await report(async ({ step }) => step.run("a", () => 1), { shouldYield, targetStepId: sha1("a") });
    expect(target.ops.map((op) => op.code)).toEqual([OpCode.STEP_RAN]);
    const planned = await report(async ({ step }) => Promise.all([step.run("a", () => 1), step.run("b", () => 2)]), { shouldYield });
    expect(planned.ops.map((op) => op.code)).toEqual([OpCode.STEP_PLANNED, OpCode.STEP_PLANNED]);
    const done = await report(() => "ok", { shouldYield });
    expect(done.ops.map((op) => op.code)).toEqual([OpCode.RUN_COMPLETE]);
    expect(shouldYield).not.toHaveBeenCalled();
  });
});
