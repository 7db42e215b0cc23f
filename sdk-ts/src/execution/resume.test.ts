import { OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import type { HandlerContext } from "../function/types.js";
import type { LogFields, Logger } from "../logger/logger.js";
import { NOW, executeHandler, silent, text } from "../internal-testing/execute-handler.js";
import { createExecution, type Execution, type ExecutionInput, type ExecutionReport } from "./execute.js";
import type { MemoEntryInput } from "./memo.js";
import type { ReportedOp } from "./ops.js";

type Handler = (ctx: HandlerContext) => unknown;

function start(handler: Handler, input: Partial<ExecutionInput> = {}): Execution {
  const event = { id: "evt-1", name: "order/created", data: { orderId: "o1" }, ts: 1 };
  return createExecution(
    { id: "fn", handler },
    { runId: "run-1", appId: "shop", functionId: "fn", attempt: 0, maxAttempts: 5, event, events: [event], memo: [], logger: silent, now: () => NOW, ...input },
  );
}

const entryOf = (op: ReportedOp): MemoEntryInput => ({ stepId: op.stepId!, data: op.data });

/** Runs the handler to its end in one execution, resuming after every STEP_RAN. */
async function resumeToEnd(handler: Handler, input: Partial<ExecutionInput> = {}): Promise<ReportedOp[]> {
  const execution = start(handler, input);
  const ops: ReportedOp[] = [];
  let report: Promise<ExecutionReport> | undefined = execution.report;
  while (report) {
    const [op]: ReportedOp[] = (await report).ops;
    ops.push(op);
    report = op.code === OpCode.STEP_RAN ? execution.resume(entryOf(op)) : undefined;
  }
  return ops;
}

/** Replays the handler from the start for every step, as without warm continuation. */
async function replayToEnd(handler: Handler, input: Partial<ExecutionInput> = {}): Promise<ReportedOp[]> {
  const memo: MemoEntryInput[] = [];
  const ops: ReportedOp[] = [];
  for (;;) {
    const [op] = (await executeHandler(handler, { ...input, memo: [...memo] })).ops;
    ops.push(op);
    if (op.code !== OpCode.STEP_RAN) return ops;
    memo.push(entryOf(op));
  }
}

describe("Execution.resume", () => {
  it("continues the handler from the step that ran: code outside steps runs once, ops equal a replay's", async () => {
    let outside = 0;
    const handler = async ({ step }: HandlerContext) => {
      const seen: unknown[] = [];
      for (const id of ["fetch", "fetch", "charge", "fetch", "fetch:1"]) {
        outside++;
        seen.push(await step.run(id, () => ({ id, at: new Date(0) })));
      }
      outside++;
      return seen;
    };
    const warm = await resumeToEnd(handler);
    expect(outside).toBe(6);
    outside = 0;
    const cold = await replayToEnd(handler);
    expect(outside).toBe(21);
    // Same step ids (repeats hashed with counters, skipping the literal "fetch:1"), data and output.
    expect(warm).toEqual(cold);
    expect(warm.map((op) => op.userId)).toEqual(["fetch", "fetch:1", "charge", "fetch:2", "fetch:1:1", undefined]);
    expect(JSON.parse(text(warm[5].data))[0]).toEqual({ id: "fetch", at: new Date(0).toISOString() });
  });

  it("logs each line once, with the same fields as replays do", async () => {
    const record = (lines: string[]): Logger => ({
      ...silent,
      info: (message: string, fields?: LogFields) => void lines.push(`${message} ${JSON.stringify(fields)}`),
    });
    const handler = async ({ step, logger }: HandlerContext) => {
      logger.info("start");
      await step.run("a", () => logger.info("in a"));
      logger.info("between");
      await step.run("b", () => logger.info("in b"));
      logger.info("end");
    };
    const warm: string[] = [];
    const cold: string[] = [];
    await resumeToEnd(handler, { logger: record(warm) });
    await replayToEnd(handler, { logger: record(cold) });
    expect(warm).toEqual(cold);
    expect(warm.map((line) => line.split(" ")[0])).toEqual(["start", "in", "between", "in", "end"]);
  });

  it("is not resumable after any decision but one STEP_RAN", async () => {
    const decisions: Array<[string, Handler]> = [
      ["completed", async () => "done"],
      ["sleep", async ({ step }) => step.sleep("nap", "1h")],
      ["planned", async ({ step }) => Promise.all([step.run("a", () => 1), step.run("b", () => 2)])],
      [
        "step error",
        async ({ step }) =>
          step.run("a", () => {
            throw new Error("boom");
          }),
      ],
    ];
    for (const [name, handler] of decisions) {
      const execution = start(handler);
      const [op] = (await execution.report).ops;
      expect(execution.resumable(), name).toBe(false);
      expect(execution.resume({ stepId: op.stepId ?? "", data: new Uint8Array() }), name).toBeUndefined();
    }
  });

  it("refuses another step's result, and resumes only once per decision", async () => {
    const execution = start(async ({ step }) => {
      await step.run("a", () => 1);
      await step.run("b", () => 2);
    });
    const [op] = (await execution.report).ops;
    expect(execution.resumable()).toBe(true);
    expect(execution.resume({ stepId: "other", data: op.data })).toBeUndefined();
    const next = execution.resume(entryOf(op));
    expect(next).toBeDefined();
    expect(execution.resume(entryOf(op))).toBeUndefined();
    expect((await next!).ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "b" });
  });

  it("is not resumable once a step call was rejected while the step ran, or the handler ended meanwhile", async () => {
    const nested = start(async ({ step }) => {
      await step.run("a", async () => {
        await step.run("inner", () => 1).catch(() => "caught");
        return 1;
      });
      await step.run("b", () => 2);
    });
    expect((await nested.report).ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "a" });
    expect(nested.resumable()).toBe(false);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ended = start(async ({ step }) => {
      // Not awaited: the handler returns while the body runs.
      void step.run("a", () => gate.then(() => 1));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      release();
      return "early";
    });
    expect((await ended.report).ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "a" });
    expect(ended.resumable()).toBe(false);
  });

  it("keeps the attempt it started with (callers resume only for that attempt)", async () => {
    const attempts: number[] = [];
    const execution = start(
      async ({ step, attempt }) => {
        await step.run("a", () => attempts.push(attempt));
        await step.run("b", () => attempts.push(attempt));
      },
      { attempt: 2 },
    );
    expect(execution.attempt).toBe(2);
    const [op] = (await execution.report).ops;
    await execution.resume(entryOf(op));
    expect(attempts).toEqual([2, 2]);
  });
});
