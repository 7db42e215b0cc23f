import { RunStatus as ProtoRunStatus, StepStatus, type Run as ProtoRun, type StepRecord } from "@tenax/proto";
import { deserializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { decodeJson } from "../json/codec.js";
import type { Run, RunStatus, RunStep } from "./run.js";

const fromProtoStatus: Record<ProtoRunStatus, RunStatus | undefined> = {
  [ProtoRunStatus.UNSPECIFIED]: undefined,
  [ProtoRunStatus.QUEUED]: "queued",
  [ProtoRunStatus.RUNNING]: "running",
  [ProtoRunStatus.SLEEPING]: "sleeping",
  [ProtoRunStatus.WAITING]: "waiting",
  [ProtoRunStatus.COMPLETED]: "completed",
  [ProtoRunStatus.FAILED]: "failed",
  [ProtoRunStatus.CANCELLED]: "cancelled",
};

/** The contract's value of a status name. */
export function toProtoStatus(status: RunStatus): ProtoRunStatus {
  const found = Object.entries(fromProtoStatus).find(([, name]) => name === status);
  return found ? (Number(found[0]) as ProtoRunStatus) : ProtoRunStatus.UNSPECIFIED;
}

/** A run of the contract as the SDK shows it: a status name, parsed output, a rebuilt error, dates. */
export function fromProtoRun(run: ProtoRun | undefined): Run {
  if (!run) throw new TenaxError("internal", "the run API answered without a run");
  const status = fromProtoStatus[run.status];
  if (!status) throw new TenaxError("internal", `run ${run.id}: unknown status ${run.status} (a newer server?)`);
  return {
    id: run.id,
    appId: run.appId,
    functionId: run.functionId,
    functionVersion: run.functionVersion,
    status,
    eventIds: [...run.eventIds],
    ...(status === "completed" ? { output: parseOutput(run.output, `run ${run.id}`) } : {}),
    ...(run.error ? { error: deserializeError(run.error) } : {}),
    createdAt: new Date(Number(run.createdAtMs)),
    ...optionalDate("startedAt", run.startedAtMs),
    ...optionalDate("endedAt", run.endedAtMs),
    attempt: run.attempt,
    stepCount: run.stepCount,
  };
}

/** A stored step of the contract as the SDK shows it. */
export function fromProtoStep(step: StepRecord): RunStep {
  const completed = step.status === StepStatus.COMPLETED;
  return {
    stepId: step.userId,
    hashedId: step.id,
    name: step.name,
    status: completed ? "completed" : "failed",
    ...(completed ? { output: parseOutput(step.output, `step "${step.userId}"`) } : {}),
    ...(step.error ? { error: deserializeError(step.error) } : {}),
    attempt: step.attempt,
    ...optionalDate("startedAt", step.startedAtMs),
    storedAt: new Date(Number(step.endedAtMs)),
    position: step.position,
  };
}

function parseOutput(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeJson(bytes);
  } catch (err) {
    throw new TenaxError("invalid_output", `${what}: the stored output is not JSON`, { cause: err });
  }
}

// Times are ms since the epoch; 0 means "not yet".
function optionalDate<K extends string>(key: K, ms: bigint): { [P in K]?: Date } {
  return ms === 0n ? {} : ({ [key]: new Date(Number(ms)) } as { [P in K]?: Date });
}
