import { create } from "@bufbuild/protobuf";
import { ErrorCode, RunSchema, RunStatus as ProtoRunStatus, StepRecordSchema, StepStatus } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { serializeError } from "../errors/serialize.js";
import { StepError } from "../errors/step-error.js";
import { fromProtoRun, fromProtoStep, toProtoStatus } from "./from-proto.js";
import { RUN_STATUSES } from "./run.js";

const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("fromProtoRun", () => {
  it("names the status, parses the output and turns times into dates (0 = unset)", () => {
    const run = fromProtoRun(
      create(RunSchema, {
        id: "r1",
        appId: "shop",
        functionId: "process-order",
        functionVersion: 2,
        status: ProtoRunStatus.COMPLETED,
        eventIds: ["e1"],
        output: utf8({ charged: "ch_1" }),
        createdAtMs: 1000n,
        startedAtMs: 2000n,
        endedAtMs: 3000n,
        stepCount: 2,
      }),
    );
    expect(run).toEqual({
      id: "r1",
      appId: "shop",
      functionId: "process-order",
      functionVersion: 2,
      status: "completed",
      eventIds: ["e1"],
      output: { charged: "ch_1" },
      createdAt: new Date(1000),
      startedAt: new Date(2000),
      endedAt: new Date(3000),
      attempt: 0,
      stepCount: 2,
    });
    const queued = fromProtoRun(create(RunSchema, { id: "r2", status: ProtoRunStatus.QUEUED, createdAtMs: 1n }));
    expect(queued).not.toHaveProperty("startedAt");
    expect(queued).not.toHaveProperty("output");
    expect(queued.status).toBe("queued");
  });

  it("rebuilds the error with its cause chain", () => {
    const stored = serializeError(new StepError("card declined", { stepId: "charge", cause: new RangeError("402") }));
    const run = fromProtoRun(create(RunSchema, { id: "r", status: ProtoRunStatus.FAILED, error: stored }));
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ name: "StepError", message: "card declined", stepId: "charge", cause: { name: "RangeError", message: "402" } });
  });

  it("refuses an answer without a run or with a status it does not know", () => {
    expect(() => fromProtoRun(undefined)).toThrowError(expect.objectContaining({ code: "internal" }));
    expect(() => fromProtoRun(create(RunSchema, { id: "r", status: 99 as ProtoRunStatus }))).toThrowError(/unknown status 99/);
  });

  it("maps every status name both ways", () => {
    for (const status of RUN_STATUSES) expect(fromProtoRun(create(RunSchema, { status: toProtoStatus(status) })).status).toBe(status);
  });
});

describe("fromProtoStep", () => {
  it("reads a completed and a failed step", () => {
    const ok = fromProtoStep(
      create(StepRecordSchema, { id: "h1", userId: "fetch:1", name: "fetch", status: StepStatus.COMPLETED, output: utf8([1]), endedAtMs: 5n, position: 3 }),
    );
    expect(ok).toEqual({ stepId: "fetch:1", hashedId: "h1", name: "fetch", status: "completed", output: [1], attempt: 0, storedAt: new Date(5), position: 3 });
    const failed = fromProtoStep(
      create(StepRecordSchema, {
        userId: "charge",
        status: StepStatus.FAILED,
        error: { code: ErrorCode.USER, name: "Error", message: "no" },
        attempt: 4,
        startedAtMs: 1n,
      }),
    );
    expect(failed).toMatchObject({ status: "failed", attempt: 4, startedAt: new Date(1), error: { message: "no" } });
    expect(failed).not.toHaveProperty("output");
  });
});
