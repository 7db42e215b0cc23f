import { errorInfoFromJson, errorInfoToJson } from "@tenax/common";
import type { ErrorInfo, Op } from "@tenax/proto";
import { findUnstorable, replaceUnstorable, unstorableMessage } from "@tenax/state";

/**
 * A worker's result may carry strings Postgres cannot hold (NUL, lone surrogates). Outputs are
 * JSON text and stored exactly; what is stored as a string or as jsonb is checked here, so the
 * result fails once with a clear error instead of failing the same write on every resend.
 */

/** Why an op's step id or name cannot be stored, or null. */
export function unstorableStepField(op: Op): string | null {
  const hit = findUnstorable(op.userId, "step id") ?? findUnstorable(op.name, "step name") ?? findUnstorable(op.stepId, "hashed step id");
  if (!hit) return null;
  return `${unstorableMessage(hit)}: ${JSON.stringify(replaceUnstorable(op.userId))} (NUL and lone surrogates shown as U+FFFD)`;
}

/** Why output bytes (decoded as UTF-8) are not strict JSON, or null: a raw NUL, NaN, a trailing comma… */
export function outputProblem(text: string): string | null {
  // Parsed once here so that no reader meets it later (Python's json.dumps writes NaN).
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    return `is not strict JSON (RFC 8259): ${(err as Error).message}`;
  }
}

const note = " [unstorable_value: NUL characters and lone surrogates in this error were replaced by U+FFFD]";

/**
 * The error as it can be stored: unchanged when it can, otherwise with every NUL and lone
 * surrogate replaced by U+FFFD and a note saying so appended to the message.
 */
export function storableError(e: ErrorInfo): ErrorInfo;
export function storableError(e: ErrorInfo | undefined): ErrorInfo | undefined;
export function storableError(e: ErrorInfo | undefined): ErrorInfo | undefined {
  if (!e) return e;
  const json = errorInfoToJson(e);
  if (!findUnstorable(json, "error")) return e;
  const fixed = replaceUnstorable(json);
  fixed.message = `${typeof fixed.message === "string" ? fixed.message : ""}${note}`;
  return errorInfoFromJson(fixed) ?? e;
}
