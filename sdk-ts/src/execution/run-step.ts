import { OpCode } from "@tenax/proto";
import { isNonRetriableError, isRetryAfterError, retryAtMs } from "../errors/guards.js";
import { serializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { encodeJson } from "../json/codec.js";
import { stepOp, type ReportedOp, type StepIdentity } from "./ops.js";

/** A step.run step with its body. */
export type InlineStep = StepIdentity & { run: () => unknown };

/**
 * Runs a step's body inline and reports the outcome. Whether attempts are
 * exhausted is the executor's call; the worker only says retriable or not.
 */
export async function runStep(step: InlineStep): Promise<ReportedOp> {
  let value: unknown;
  try {
    value = await step.run();
  } catch (err) {
    return stepErrorOp(step, err);
  }
  let data: Uint8Array;
  try {
    data = encodeJson(value);
  } catch (err) {
    // Serializing fails the same way on every attempt, so retrying is pointless.
    const error = new TenaxError("output_not_serializable", `step "${step.userId}": output is not JSON-serializable`, { cause: err });
    return stepOp(OpCode.STEP_FAILED, step, { error: serializeError(error), noRetry: true });
  }
  return stepOp(OpCode.STEP_RAN, step, { data });
}

function stepErrorOp(step: StepIdentity, err: unknown): ReportedOp {
  const error = serializeError(err);
  if (isNonRetriableError(err)) return stepOp(OpCode.STEP_FAILED, step, { error, noRetry: true });
  const op = stepOp(OpCode.STEP_ERROR, step, { error });
  if (isRetryAfterError(err)) {
    const at = retryAtMs(err);
    if (at !== undefined) op.retryAfterMs = BigInt(at);
  }
  return op;
}
