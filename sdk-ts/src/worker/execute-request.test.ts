import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, OpCode, type Checkpoint, type MemoEntry } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import type { HandlerContext } from "../function/types.js";
import type { LogFields, Logger } from "../logger/logger.js";
import { executeRequestInit, json, sha1, silent, text } from "../internal-testing/execute-handler.js";
import { createCheckpointBuffer } from "./checkpoint-buffer.js";
import { executeRequest, MAX_STEP_OUTPUT_BYTES, type ExecuteRequestOptions } from "./execute-request.js";

function request(init: Record<string, unknown> = {}) {
  return create(ExecuteRequestSchema, executeRequestInit(init));
}

const entry = (userId: string, value: unknown): MemoEntry => ({ stepId: sha1(userId), result: { case: "data", value: json(value) } }) as MemoEntry;

/** Runs a request with a checkpoint buffer recording what it sends (never by time). */
async function run(
  handler: (ctx: HandlerContext) => unknown,
  options: Partial<ExecuteRequestOptions> & { bufferedSteps?: number; maxRuntimeMs?: number } = {},
) {
  const sent: Checkpoint[] = [];
  const buffer = createCheckpointBuffer({
    request: { requestId: "req-1", leaseId: "lease-1", runId: "run-1" },
    settings: { bufferedSteps: options.bufferedSteps ?? 10, maxIntervalMs: 0 },
    send: (c) => sent.push(c),
    onLost: () => {},
    logger: silent,
  });
  const outcome = await executeRequest({
    fn: { id: "fn", handler },
    request: request(),
    memo: [],
    logger: silent,
    checkpointing: { buffer, maxRuntimeMs: options.maxRuntimeMs ?? 60_000 },
    lost: () => false,
    draining: () => false,
    ...options,
  });
  return { outcome, sent, buffer };
}

const stepIds = (c: Checkpoint) => c.ops.map((op) => op.userId);

describe("executeRequest with checkpointing", () => {
  it("runs successive steps in one request, buffering them, and reports the next outcome", async () => {
    const bodies: string[] = [];
    const handler = async ({ step }: HandlerContext) => {
      const a = await step.run("a", () => (bodies.push("a"), 1));
      const b = await step.run("b", () => (bodies.push("b"), a + 1));
      const c = await step.run("c", () => (bodies.push("c"), b + 1));
      return { c };
    };
    const { outcome, sent, buffer } = await run(handler, { bufferedSteps: 2 });
    expect(bodies).toEqual(["a", "b", "c"]);
    expect(sent.map((c) => [c.sequence, stepIds(c)])).toEqual([[1, ["a", "b"]]]);
    expect(sent[0]).toMatchObject({ requestId: "req-1", leaseId: "lease-1", runId: "run-1" });
    expect(sent[0].ops[0]).toMatchObject({ code: OpCode.STEP_RAN, stepId: sha1("a"), stepType: "step.run" });
    // "c" waits in the buffer: the caller flushes it before sending the result.
    expect(buffer.buffered()).toBe(1);
    expect(outcome.ops?.map((op) => op.code)).toEqual([OpCode.RUN_COMPLETE]);
    expect(JSON.parse(text(outcome.ops![0].data))).toEqual({ c: 3 });
    // The memo the worker holds now includes every step run in the request.
    expect(outcome.memo.map((e) => [e.stepId, e.result.case === "data" ? text(e.result.value) : undefined])).toEqual([
      [sha1("a"), "1"],
      [sha1("b"), "2"],
      [sha1("c"), "3"],
    ]);
  });

  it("continues from the request's memo and stops at an executor step", async () => {
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => 1);
      await step.run("b", () => 2);
      await step.sleep("nap", "1h");
      await step.run("c", () => 3);
    };
    const { outcome, buffer } = await run(handler, { memo: [entry("a", 1)] });
    expect(outcome.ops?.map((op) => [op.code, op.userId])).toEqual([[OpCode.SLEEP, "nap"]]);
    expect(buffer.buffered()).toBe(1);
    expect(outcome.memo.map((e) => e.stepId)).toEqual([sha1("a"), sha1("b")]);
  });

  it("ends with the step's error outcome", async () => {
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => 1);
      await step.run("b", () => {
        throw new Error("boom");
      });
    };
    const { outcome, buffer } = await run(handler);
    expect(outcome.ops?.map((op) => [op.code, op.userId])).toEqual([[OpCode.STEP_ERROR, "b"]]);
    expect(buffer.buffered()).toBe(1);
  });

  it("gives the request's attempt to its first step only, 0 to the following ones", async () => {
    const attempts: Array<[string, number]> = [];
    const handler = async ({ step, attempt }: HandlerContext) => {
      await step.run("a", () => void attempts.push(["a", attempt]));
      await step.run("b", () => void attempts.push(["b", attempt]));
      await step.run("c", () => void attempts.push(["c", attempt]));
    };
    await run(handler, { request: request({ attempt: 3 }) });
    expect(attempts).toEqual([
      ["a", 3],
      ["b", 0],
      ["c", 0],
    ]);
  });

  it("logs a line outside steps once although the handler replays after every step", async () => {
    const lines: Array<[string, LogFields | undefined]> = [];
    const logger: Logger = { ...silent, info: (message, fields) => void lines.push([message, fields]) };
    const handler = async ({ step, logger: log }: HandlerContext) => {
      log.info("start");
      await step.run("a", () => log.info("in a"));
      log.info("between");
      await step.run("b", () => log.info("in b"));
      log.info("end");
    };
    const { outcome } = await run(handler, { logger, request: request({ attempt: 2 }) });
    expect(outcome.ops?.[0].code).toBe(OpCode.RUN_COMPLETE);
    expect(lines.map(([message]) => message)).toEqual(["start", "in a", "between", "in b", "end"]);
    expect(lines.map(([, fields]) => fields?.attempt)).toEqual([2, 2, 0, 0, 0]);
  });

  it("yields before a further step once maxRuntime has passed, never before the first", async () => {
    let clock = 1000;
    const bodies: string[] = [];
    const handler = async ({ step }: HandlerContext) => {
      for (const id of ["a", "b", "c", "d"]) {
        await step.run(id, () => {
          bodies.push(id);
          clock += 40;
        });
      }
    };
    const { outcome, buffer } = await run(handler, { maxRuntimeMs: 100, now: () => clock });
    // Before b: 40 ms, before c: 80 ms, before d: 120 ms ≥ 100 ms, so d is not started.
    expect(bodies).toEqual(["a", "b", "c"]);
    expect(outcome.ops).toEqual([{ code: OpCode.YIELD }]);
    expect(buffer.buffered()).toBe(3);

    // A request whose first replay is already over time still runs its first step.
    clock = 0;
    const first = await run(handler, { maxRuntimeMs: 1, now: () => (clock += 10) });
    expect(first.buffer.buffered()).toBe(1);
    expect(first.outcome.ops).toEqual([{ code: OpCode.YIELD }]);
  });

  it("yields before the next step when the worker drains", async () => {
    let draining = false;
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => (draining = true));
      await step.run("b", () => 2);
    };
    const { outcome, buffer } = await run(handler, { draining: () => draining });
    expect(outcome.ops).toEqual([{ code: OpCode.YIELD }]);
    expect(buffer.buffered()).toBe(1);
  });

  it("stops without ops once the request is lost", async () => {
    let lost = false;
    const bodies: string[] = [];
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => bodies.push("a"));
      await step.run("b", () => ((lost = true), bodies.push("b")));
      await step.run("c", () => bodies.push("c"));
    };
    const { outcome, buffer } = await run(handler, { lost: () => lost });
    expect(bodies).toEqual(["a", "b"]);
    expect(outcome.ops).toBeUndefined();
    expect(buffer.buffered()).toBe(1);
  });

  it("reports an oversized step as a normal result (the executor fails it)", async () => {
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => 1);
      await step.run("big", () => "x".repeat(MAX_STEP_OUTPUT_BYTES));
      await step.run("c", () => 3);
    };
    const { outcome, buffer } = await run(handler);
    expect(outcome.ops?.map((op) => [op.code, op.userId])).toEqual([[OpCode.STEP_RAN, "big"]]);
    expect(buffer.buffered()).toBe(1);
    expect(outcome.memo).toHaveLength(1);
  });

  it("replays once without checkpointing", async () => {
    const bodies: string[] = [];
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => bodies.push("a"));
      await step.run("b", () => bodies.push("b"));
    };
    const { outcome } = await run(handler, { checkpointing: undefined });
    expect(bodies).toEqual(["a"]);
    expect(outcome.ops?.map((op) => [op.code, op.userId])).toEqual([[OpCode.STEP_RAN, "a"]]);
    expect(outcome.memo).toEqual([]);
  });

  it("logs a warning once per request, not once per replay", async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silent, warn: (message) => void warnings.push(message) };
    const handler = async ({ step }: HandlerContext) => {
      await step.run("a", () => 1);
      await step.run("b", () => 2);
    };
    await run(handler, { logger, memo: [entry("removed", 0)] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("ignored");
  });
});
