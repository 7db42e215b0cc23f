import { createHash } from "node:crypto";
import { ErrorCode, OpCode } from "@tenax/proto";
import { describe, expect, it, vi } from "vitest";
import { NonRetriableError } from "../errors/non-retriable-error.js";
import { RetryAfterError } from "../errors/retry-after-error.js";
import { serializeError } from "../errors/serialize.js";
import type { HandlerContext } from "../function/types.js";
import type { Logger } from "../logger/logger.js";
import { executeFunction, type ExecutionInput } from "./execute.js";
import type { MemoEntryInput } from "./memo.js";
import type { ReportedOp } from "./ops.js";

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function run(handler: (ctx: HandlerContext) => unknown, input: Partial<ExecutionInput> = {}): Promise<ReportedOp[]> {
  const event = { id: "evt-1", name: "order/created", data: { orderId: "o1" }, ts: 1 };
  return executeFunction(
    { id: "fn", handler },
    { runId: "run-1", functionId: "fn", attempt: 0, maxAttempts: 5, event, events: [event], memo: [], logger: silent, ...input },
  );
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
