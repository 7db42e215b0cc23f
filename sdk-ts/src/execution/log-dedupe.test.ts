import { OpCode } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import type { HandlerContext } from "../function/types.js";
import type { LogFields, Logger } from "../logger/logger.js";
import { executeHandler, failed, hit, silent } from "../internal-testing/execute-handler.js";
import type { MemoEntryInput } from "./memo.js";

interface Line {
  level: string;
  message: string;
  fields: LogFields;
}

/** A logger with child(), recording every line with its accumulated fields. */
function recordingLogger(lines: Line[], fields: LogFields = {}): Logger {
  const log = (level: string) => (message: string, extra?: LogFields) => void lines.push({ level, message, fields: { ...fields, ...extra } });
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), child: (more) => recordingLogger(lines, { ...fields, ...more }) };
}

/** Replays `handler` as the executor would: one execution per step, memo growing with each result. */
async function replayToEnd(handler: (ctx: HandlerContext) => unknown, logger: Logger, memo: MemoEntryInput[] = []): Promise<number> {
  for (let executions = 1; executions <= 20; executions++) {
    const { ops } = await executeHandler(handler, { memo, logger });
    const [op] = ops;
    if (op.code === OpCode.RUN_COMPLETE || op.code === OpCode.RUN_ERROR) return executions;
    expect(op.code).toBe(OpCode.STEP_RAN);
    memo.push({ stepId: op.stepId!, data: op.data });
  }
  throw new Error("handler did not finish");
}

describe("handler logger across replays", () => {
  it("logs a line outside steps once, and lines inside steps once each with the step id", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) => {
      logger.info("starting", { orderId: "o1" });
      const a = await step.run("fetch-data", () => {
        logger.info("in step", { n: 1 });
        return 1;
      });
      const b = await step.run("transform", () => {
        logger.info("in step", { n: 2 });
        return a + 1;
      });
      const c = await step.run("store", () => {
        logger.info("in step", { n: 3 });
        return b + 1;
      });
      logger.info("done");
      return c;
    };
    expect(await replayToEnd(handler, recordingLogger(lines))).toBe(4);

    const run = { runId: "run-1", functionId: "fn", attempt: 0 };
    expect(lines).toEqual([
      { level: "info", message: "starting", fields: { ...run, orderId: "o1" } },
      { level: "info", message: "in step", fields: { ...run, stepId: "fetch-data", n: 1 } },
      { level: "info", message: "in step", fields: { ...run, stepId: "transform", n: 2 } },
      { level: "info", message: "in step", fields: { ...run, stepId: "store", n: 3 } },
      { level: "info", message: "done", fields: run },
    ]);
  });

  it("emits code between steps on the execution that first reaches it", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) => {
      await step.run("a", () => 1);
      logger.info("after a");
      await step.run("b", () => 2);
      logger.warn("after b");
      await step.run("c", () => 3);
    };
    const logger = recordingLogger(lines);
    // Execution 2 (memo [a]) first reaches "after a"; execution 3 reaches "after b".
    await executeHandler(handler, { memo: [], logger });
    expect(lines).toEqual([]);
    await executeHandler(handler, { memo: [hit("a", 1)], logger });
    expect(lines.map((l) => l.message)).toEqual(["after a"]);
    await executeHandler(handler, { memo: [hit("a", 1), hit("b", 2)], logger });
    expect(lines.map((l) => l.message)).toEqual(["after a", "after b"]);
    await executeHandler(handler, { memo: [hit("a", 1), hit("b", 2), hit("c", 3)], logger });
    expect(lines.map((l) => l.message)).toEqual(["after a", "after b"]);
  });

  it("stays muted for a line between calling a memoized step and awaiting it", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) => {
      const pending = step.run("a", () => 1);
      logger.info("called a");
      await pending;
      await step.run("b", () => 2);
    };
    await executeHandler(handler, { memo: [], logger: recordingLogger(lines) });
    await executeHandler(handler, { memo: [hit("a", 1)], logger: recordingLogger(lines) });
    expect(lines.map((l) => l.message)).toEqual(["called a"]);
  });

  it("unmutes when the handler requests a step missing from the memo, even with unused memo entries", async () => {
    const lines: Line[] = [];
    await executeHandler(
      async ({ step, logger }) => {
        logger.info("before");
        const pending = step.run("renamed", () => logger.info("in renamed"));
        logger.info("after requesting a new step");
        await pending;
      },
      // "old" is never requested (the step was renamed): only the new step ends the replay.
      { memo: [hit("old", 1)], logger: recordingLogger(lines) },
    );
    expect(lines.map((l) => l.message)).toEqual(["after requesting a new step", "in renamed"]);
  });

  it("emits after a memoized failure is handed back (fallback pattern)", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) => {
      try {
        await step.run("primary", () => 1);
      } catch (err) {
        logger.error("primary failed", { error: (err as Error).message });
        await step.run("fallback", () => 2);
      }
    };
    await executeHandler(handler, { memo: [failed("primary", new Error("down"))], logger: recordingLogger(lines) });
    expect(lines).toEqual([{ level: "error", message: "primary failed", fields: { runId: "run-1", functionId: "fn", attempt: 0, error: "down" } }]);
  });

  it("logs step lines with the request's attempt on every attempt that runs the step", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) =>
      step.run("flaky", () => {
        logger.warn("trying");
        throw new Error("no");
      });
    await executeHandler(handler, { attempt: 0, logger: recordingLogger(lines) });
    await executeHandler(handler, { attempt: 1, logger: recordingLogger(lines) });
    expect(lines.map((l) => l.fields)).toEqual([
      { runId: "run-1", functionId: "fn", stepId: "flaky", attempt: 0 },
      { runId: "run-1", functionId: "fn", stepId: "flaky", attempt: 1 },
    ]);
  });

  it("passes run fields as the last argument to a logger without child (console-style)", async () => {
    const calls: unknown[][] = [];
    const consoleLike = { debug() {}, info: (...args: unknown[]) => void calls.push(args), warn() {}, error() {} };
    await executeHandler(
      async ({ step, logger }) => {
        logger.info("plain");
        logger.info("with fields", { orderId: "o1" });
        await step.run("s", () => logger.info("inside"));
      },
      { logger: consoleLike, attempt: 3 },
    );
    const run = { runId: "run-1", functionId: "fn", attempt: 3 };
    expect(calls).toEqual([
      ["plain", run],
      ["with fields", { ...run, orderId: "o1" }],
      ["inside", { runId: "run-1", functionId: "fn", stepId: "s", attempt: 3 }],
    ]);
  });

  it("keeps muting and run fields on ctx.logger.child()", async () => {
    const lines: Line[] = [];
    const handler = async ({ step, logger }: HandlerContext) => {
      const log = logger.child!({ component: "billing" });
      log.info("replayed?");
      await step.run("a", () => 1);
      await step.run("b", () => 2);
    };
    await executeHandler(handler, { memo: [], logger: recordingLogger(lines) });
    await executeHandler(handler, { memo: [hit("a", 1)], logger: recordingLogger(lines) });
    expect(lines).toEqual([{ level: "info", message: "replayed?", fields: { component: "billing", runId: "run-1", functionId: "fn", attempt: 0 } }]);
  });

  it("never lets a muted logger affect the outcome", async () => {
    const { ops } = await executeHandler(
      async ({ step, logger }) => {
        logger.debug("x");
        return step.run("a", () => 1);
      },
      { memo: [hit("a", 1)], logger: silent },
    );
    expect(ops).toMatchObject([{ code: OpCode.RUN_COMPLETE }]);
  });
});
