import { ErrorCode, ErrorReason } from "@tenax/proto";
import type { ErrorInfoLike } from "./serialize.js";

/**
 * An ErrorInfo in protobuf JSON form, as the services put it into events
 * (`tenax/function.failed`, `tenax/function.finished`): enum names, base64
 * bytes, camelCase fields. Fields holding default values are absent.
 */
export interface ErrorInfoJson {
  /** e.g. "ERROR_CODE_USER". */
  code?: string;
  name?: string;
  message?: string;
  stack?: string;
  cause?: ErrorInfoJson;
  /** Base64 of the error's own properties as a UTF-8 JSON object. */
  propertiesJson?: string;
  /** e.g. "ERROR_REASON_SLEEP_TOO_LONG"; absent for errors of user code. */
  reason?: string;
}

// Same bound as serializeError: guards against absurdly deep chains.
const MAX_CAUSE_DEPTH = 16;

/**
 * Reads an ErrorInfo in protobuf JSON form into what deserializeError takes.
 * Tolerant: wrong-typed fields are dropped, the proto field names
 * (`properties_json`) are accepted too. Undefined when `value` is no object.
 */
export function fromErrorInfoJson(value: unknown): ErrorInfoLike | undefined {
  return readAt(value, 0);
}

function readAt(value: unknown, depth: number): ErrorInfoLike | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const raw = value as Record<string, unknown>;
  const info: ErrorInfoLike = {};
  const code = toErrorCode(raw.code);
  if (code !== undefined) info.code = code;
  if (typeof raw.name === "string") info.name = raw.name;
  if (typeof raw.message === "string") info.message = raw.message;
  if (typeof raw.stack === "string") info.stack = raw.stack;
  const props = raw.propertiesJson ?? raw.properties_json;
  if (typeof props === "string" && props !== "") info.propertiesJson = new Uint8Array(Buffer.from(props, "base64"));
  const reason = toErrorReason(raw.reason);
  if (reason !== undefined) info.reason = reason;
  if (depth < MAX_CAUSE_DEPTH) {
    const cause = readAt(raw.cause, depth + 1);
    if (cause) info.cause = cause;
  }
  return info;
}

// Protobuf JSON writes enums by name; numbers are accepted as well.
function toErrorCode(value: unknown): ErrorCode | undefined {
  if (typeof value === "number") return ErrorCode[value] === undefined ? undefined : (value as ErrorCode);
  if (typeof value !== "string") return undefined;
  const mapped = (ErrorCode as unknown as Record<string, unknown>)[value.replace(/^ERROR_CODE_/, "")];
  return typeof mapped === "number" ? (mapped as ErrorCode) : undefined;
}

// Same for reasons; a reason this SDK does not know is dropped (treated as UNSPECIFIED).
function toErrorReason(value: unknown): ErrorReason | undefined {
  if (typeof value === "number") return ErrorReason[value] === undefined ? undefined : (value as ErrorReason);
  if (typeof value !== "string") return undefined;
  const mapped = (ErrorReason as unknown as Record<string, unknown>)[value.replace(/^ERROR_REASON_/, "")];
  return typeof mapped === "number" ? (mapped as ErrorReason) : undefined;
}
