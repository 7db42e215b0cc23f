import { OpCode } from "@tenax/proto";
import type { SerializedError } from "../errors/serialize.js";

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
