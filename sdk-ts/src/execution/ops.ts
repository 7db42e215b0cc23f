import { OpCode } from "@tenax/proto";
import type { SerializedError } from "../errors/serialize.js";
import type { StepOpOptions } from "../steps/step-op.js";

/**
 * An op as the engine reports it: a plain object assignable to the proto
 * `Op` init shape (`create(OpSchema, op)`).
 */
export interface ReportedOp {
  code: OpCode;
  /** Hashed step id; empty for run-level ops. */
  stepId?: string;
  /** The step id as written, with ":n" for repeats. */
  userId?: string;
  /** The step id as written. */
  name?: string;
  stepType?: string;
  data?: Uint8Array;
  error?: SerializedError;
  /** Earliest retry, ms since the epoch (RetryAfterError). */
  retryAfterMs?: bigint;
  noRetry?: boolean;
  /** Options of SLEEP, WAIT_FOR_EVENT, INVOKE_FUNCTION and SEND_EVENT. */
  opts?: StepOpOptions;
}

/** The identifying fields of a step, shared by every step op. */
export interface StepIdentity {
  hashedId: string;
  userId: string;
  name: string;
  type: string;
}

export function stepOp(code: OpCode, step: StepIdentity, extra: Partial<ReportedOp> = {}): ReportedOp {
  return { code, stepId: step.hashedId, userId: step.userId, name: step.name, stepType: step.type, ...extra };
}

export function plannedOp(step: StepIdentity): ReportedOp {
  return stepOp(OpCode.STEP_PLANNED, step);
}

/** YIELD: the worker stops before running a step (checkpointing ran out of time); the executor schedules the run again. */
export function yieldOp(): ReportedOp {
  return { code: OpCode.YIELD };
}

const OP_CODES: Record<StepOpOptions["case"], OpCode> = {
  sleep: OpCode.SLEEP,
  waitForEvent: OpCode.WAIT_FOR_EVENT,
  invoke: OpCode.INVOKE_FUNCTION,
  sendEvent: OpCode.SEND_EVENT,
};

/** The op of a step the executor carries out (sleep, waitForEvent, invoke, sendEvent). */
export function executorStepOp(step: StepIdentity, opts: StepOpOptions): ReportedOp {
  return stepOp(OP_CODES[opts.case], step, { opts });
}
