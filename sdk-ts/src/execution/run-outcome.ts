import { OpCode } from "@tenax/proto";
import { isNonRetriableError, isRetryAfterError, isStepError, retryAtMs } from "../errors/guards.js";
import { serializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { encodeJson } from "../json/codec.js";
import type { ReportedOp } from "./ops.js";

export type HandlerOutcome = { kind: "returned"; value: unknown } | { kind: "threw"; error: unknown };

/** The run-level op for a handler that returned or threw. */
export function runOutcomeOp(outcome: HandlerOutcome): ReportedOp {
  if (outcome.kind === "threw") return runErrorOp(outcome.error);
  try {
    return { code: OpCode.RUN_COMPLETE, data: encodeJson(outcome.value) };
  } catch (err) {
    const error = new TenaxError("output_not_serializable", "the handler's return value is not JSON-serializable", { cause: err });
    return { code: OpCode.RUN_ERROR, error: serializeError(error), noRetry: true };
  }
}

function runErrorOp(err: unknown): ReportedOp {
  // A StepError escaping the handler means a step already used its attempts:
  // retrying the run would only replay the same failure.
  const op: ReportedOp = { code: OpCode.RUN_ERROR, error: serializeError(err), noRetry: isNonRetriableError(err) || isStepError(err) };
  if (isRetryAfterError(err)) {
    const at = retryAtMs(err);
    if (at !== undefined) op.retryAfterMs = BigInt(at);
  }
  return op;
}
