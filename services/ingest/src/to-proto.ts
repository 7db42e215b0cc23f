import { create } from "@bufbuild/protobuf";
import { errorInfoFromJson } from "@tenax/common";
import { RunSchema, RunStatus, StepRecordSchema, StepStatus, type Run, type StepRecord } from "@tenax/proto";
import { terminalStatuses, type RunRow, type RunStatusName, type StepRow } from "@tenax/state";

const statusToProto: Record<RunStatusName, RunStatus> = {
  queued: RunStatus.QUEUED,
  running: RunStatus.RUNNING,
  sleeping: RunStatus.SLEEPING,
  waiting: RunStatus.WAITING,
  completed: RunStatus.COMPLETED,
  failed: RunStatus.FAILED,
  cancelled: RunStatus.CANCELLED,
};

export function statusFromProto(s: RunStatus): RunStatusName | undefined {
  return (Object.keys(statusToProto) as RunStatusName[]).find((k) => statusToProto[k] === s);
}

export function isTerminal(run: RunRow): boolean {
  return terminalStatuses.includes(run.status);
}

const utf8 = new TextEncoder();

export function runToProto(r: RunRow): Run {
  return create(RunSchema, {
    id: r.id,
    appId: r.appId,
    functionId: r.functionId,
    functionVersion: r.functionVersion,
    status: statusToProto[r.status],
    eventIds: r.eventIds,
    output: r.output === null ? new Uint8Array() : utf8.encode(r.output),
    error: errorInfoFromJson(r.error),
    createdAtMs: BigInt(r.createdAtMs),
    startedAtMs: BigInt(r.startedAtMs ?? 0),
    endedAtMs: BigInt(r.endedAtMs ?? 0),
    attempt: r.attempt,
    stepCount: r.stepCount,
  });
}

export function stepToProto(s: StepRow, position: number): StepRecord {
  return create(StepRecordSchema, {
    id: s.stepId,
    userId: s.userId,
    name: s.name,
    status: s.status === "completed" ? StepStatus.COMPLETED : StepStatus.FAILED,
    output: s.output === null ? new Uint8Array() : utf8.encode(s.output),
    error: errorInfoFromJson(s.error),
    attempt: s.attempt,
    startedAtMs: BigInt(s.startedAtMs ?? 0),
    endedAtMs: BigInt(s.endedAtMs),
    position,
  });
}
