import { clone, toBinary } from "@bufbuild/protobuf";
import { errorInfoFromJson, errorInfoToJson } from "@tenax/common";
import { limits } from "@tenax/engine";
import { ErrorInfoSchema, type ErrorInfo, type Op } from "@tenax/proto";
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
  if (!findUnstorable(json, "error")) return boundedError(e);
  const fixed = replaceUnstorable(json);
  fixed.message = `${typeof fixed.message === "string" ? fixed.message : ""}${note}`;
  return boundedError(errorInfoFromJson(fixed) ?? e);
}

// What a cut error keeps of each error in its chain (characters), and how deep the chain goes.
const cutTo = { message: 8 * 1024, stack: 16 * 1024, properties: 8 * 1024, causes: 4 };

/**
 * An error over limits.errorMaxBytes (a huge message or stack, a deep cause chain), cut to fit:
 * messages and stacks shortened, properties and deep causes dropped, and a note saying so. The
 * step still fails with it, once; it is never a reason to refuse the result.
 */
export function boundedError(e: ErrorInfo): ErrorInfo {
  const size = toBinary(ErrorInfoSchema, e).length;
  if (size <= limits.errorMaxBytes) return e;
  const cut = clone(ErrorInfoSchema, e);
  const shrink = (x: ErrorInfo, depth: number) => {
    x.message = x.message.slice(0, cutTo.message);
    x.stack = x.stack.slice(0, cutTo.stack);
    if (x.propertiesJson.length > cutTo.properties) x.propertiesJson = new Uint8Array();
    if (x.cause && depth >= cutTo.causes) x.cause = undefined;
    if (x.cause) shrink(x.cause, depth + 1);
  };
  shrink(cut, 0);
  cut.message += ` [error_too_large: this error was ${size} bytes; it was cut to fit ${limits.errorMaxBytes}]`;
  if (toBinary(ErrorInfoSchema, cut).length > limits.errorMaxBytes) {
    cut.cause = undefined;
    cut.propertiesJson = new Uint8Array();
  }
  return cut;
}
