import { create } from "@bufbuild/protobuf";
import { ErrorCode, ExecuteRequestSchema, OpCode, ResultAckSchema, type Checkpoint } from "@tenax/proto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { silent } from "../internal-testing/execute-handler.js";
import { createCheckpointBuffer, type CheckpointBufferOptions } from "./checkpoint-buffer.js";
import { checkpointSettings } from "./checkpoint-settings.js";

const ran = (id: string) => ({ code: OpCode.STEP_RAN, stepId: id, userId: id, data: new Uint8Array([49]) });
const ack = (sequence: number, accepted: boolean, code = ErrorCode.UNSPECIFIED) =>
  create(ResultAckSchema, { requestId: "req-1", accepted, code, checkpointSequence: sequence });

function buffer(settings: { bufferedSteps: number; maxIntervalMs: number }, options: Partial<CheckpointBufferOptions> = {}) {
  const sent: Checkpoint[] = [];
  const onLost = vi.fn();
  const b = createCheckpointBuffer({
    request: { requestId: "req-1", leaseId: "lease-1", runId: "run-1" },
    settings,
    send: (c) => sent.push(c),
    onLost,
    logger: silent,
    ...options,
  });
  const summary = () => sent.map((c) => [c.sequence, c.ops.map((op) => op.stepId)]);
  return { b, sent, onLost, summary };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("checkpoint buffer", () => {
  it("sends a checkpoint per bufferedSteps ops, numbered from 1, and the rest on flush", () => {
    const { b, sent, summary } = buffer({ bufferedSteps: 2, maxIntervalMs: 0 });
    for (const id of ["a", "b", "c", "d", "e"]) b.add(ran(id));
    expect(summary()).toEqual([
      [1, ["a", "b"]],
      [2, ["c", "d"]],
    ]);
    expect(sent[0]).toMatchObject({ requestId: "req-1", leaseId: "lease-1", runId: "run-1" });
    expect(b.buffered()).toBe(1);
    b.flush();
    b.flush();
    expect(summary()).toEqual([
      [1, ["a", "b"]],
      [2, ["c", "d"]],
      [3, ["e"]],
    ]);
    expect(b.unacked()).toBe(3);
  });

  it("sends maxInterval after the first buffered op when the batch is not full", () => {
    const { b, summary } = buffer({ bufferedSteps: 10, maxIntervalMs: 50 });
    b.add(ran("a"));
    vi.advanceTimersByTime(30);
    b.add(ran("b"));
    expect(summary()).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(summary()).toEqual([[1, ["a", "b"]]]);
    // The next batch gets its own timer, from its own first op.
    b.add(ran("c"));
    vi.advanceTimersByTime(49);
    expect(summary()).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(summary()).toEqual([
      [1, ["a", "b"]],
      [2, ["c"]],
    ]);
  });

  it("has no timer with maxInterval 0, and a full batch clears the timer", () => {
    const none = buffer({ bufferedSteps: 10, maxIntervalMs: 0 });
    none.b.add(ran("a"));
    vi.advanceTimersByTime(60_000);
    expect(none.sent).toHaveLength(0);

    const full = buffer({ bufferedSteps: 2, maxIntervalMs: 50 });
    full.b.add(ran("a"));
    full.b.add(ran("b"));
    vi.advanceTimersByTime(100);
    expect(full.summary()).toEqual([[1, ["a", "b"]]]);
  });

  it("forgets accepted checkpoints", () => {
    const { b } = buffer({ bufferedSteps: 1, maxIntervalMs: 0 });
    b.add(ran("a"));
    b.add(ran("b"));
    b.ack(ack(2, true));
    expect(b.unacked()).toBe(1);
    b.ack(ack(1, true));
    expect(b.unacked()).toBe(0);
  });

  it("resends a checkpoint with the same sequence after INTERNAL, and gives up after the resends", () => {
    const { b, sent, onLost } = buffer({ bufferedSteps: 1, maxIntervalMs: 0 }, { resendDelayMs: 100, maxResends: 2 });
    b.add(ran("a"));
    b.ack(ack(1, false, ErrorCode.INTERNAL));
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sent.map((c) => c.sequence)).toEqual([1, 1]);
    expect(sent[1]).toBe(sent[0]);
    b.ack(ack(1, false, ErrorCode.INTERNAL));
    vi.advanceTimersByTime(100);
    expect(sent.map((c) => c.sequence)).toEqual([1, 1, 1]);
    b.ack(ack(1, false, ErrorCode.INTERNAL));
    expect(onLost).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(3);
  });

  it("loses the request on LEASE_EXPIRED: buffered ops dropped, nothing sent any more", () => {
    const { b, sent, onLost } = buffer({ bufferedSteps: 2, maxIntervalMs: 50 });
    b.add(ran("a"));
    b.add(ran("b"));
    b.add(ran("c"));
    b.ack(ack(1, false, ErrorCode.LEASE_EXPIRED));
    expect(onLost).toHaveBeenCalledWith(expect.stringContaining("lease_expired"));
    expect(b.buffered()).toBe(0);
    b.add(ran("d"));
    b.add(ran("e"));
    b.flush();
    vi.advanceTimersByTime(100);
    expect(sent).toHaveLength(1);
    b.ack(ack(1, false, ErrorCode.LEASE_EXPIRED));
    expect(onLost).toHaveBeenCalledTimes(1);
  });
});

describe("checkpointSettings", () => {
  const request = (init: Record<string, unknown>) => create(ExecuteRequestSchema, { requestId: "r", ...init } as never);
  const enabled = { enabled: true, bufferedSteps: 3, maxIntervalMs: 20n, maxRuntimeMs: 500n };

  it("takes the request's settings on discovery requests", () => {
    expect(checkpointSettings(request({ checkpointing: enabled }))).toEqual({ bufferedSteps: 3, maxIntervalMs: 20, maxRuntimeMs: 500 });
  });

  it("fills zero fields per the proto: SDK defaults, no interval flush", () => {
    expect(checkpointSettings(request({ checkpointing: { enabled: true } }))).toEqual({ bufferedSteps: 10, maxIntervalMs: 0, maxRuntimeMs: 60_000 });
  });

  it("is off unless enabled, and on targeted or plan-mode requests", () => {
    expect(checkpointSettings(request({}))).toBeUndefined();
    expect(checkpointSettings(request({ checkpointing: { ...enabled, enabled: false } }))).toBeUndefined();
    expect(checkpointSettings(request({ checkpointing: enabled, targetStepId: "abc" }))).toBeUndefined();
    expect(checkpointSettings(request({ checkpointing: enabled, disableImmediateExecution: true }))).toBeUndefined();
  });
});
