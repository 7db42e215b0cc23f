import { ErrorCode, ErrorReason, reasonOf, reasonSlug } from "@tenax/proto";
import { TenaxError } from "./tenax-error.js";

/**
 * An error as it crosses the wire: the shape of the proto `ErrorInfo`
 * (assignable to its init shape, and every `ErrorInfo` message fits it).
 */
export interface SerializedError {
  code: ErrorCode;
  name: string;
  message: string;
  stack: string;
  cause?: SerializedError;
  propertiesJson: Uint8Array;
  /**
   * Why Tenax raised the error (`ErrorReason`); UNSPECIFIED for errors of user code. Optional
   * here only so that objects written before it existed still fit; serializeError always sets it.
   */
  reason?: ErrorReason;
}

/** What deserializeError accepts: an ErrorInfo message or a SerializedError. */
export type ErrorInfoLike = Partial<Omit<SerializedError, "cause">> & { cause?: ErrorInfoLike | undefined };

// Guards against cause cycles (a.cause = a) and absurdly deep chains.
const MAX_CAUSE_DEPTH = 16;
// These travel in dedicated fields, never in properties_json.
const RESERVED_KEYS = new Set(["name", "message", "stack", "cause"]);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Turns anything thrown into the proto ErrorInfo shape. */
export function serializeError(value: unknown): SerializedError {
  return serializeAt(value, 0);
}

function serializeAt(value: unknown, depth: number): SerializedError {
  if (!isErrorLike(value)) {
    return {
      code: ErrorCode.NON_ERROR_THROWN,
      name: "NonErrorThrown",
      message: describeValue(value),
      stack: "",
      propertiesJson: new Uint8Array(),
      reason: ErrorReason.UNSPECIFIED,
    };
  }
  const source = value as Error & { code?: unknown; reason?: unknown };
  const cause = source.cause;
  return {
    code: isSdkError(source) ? errorCodeFor(source.code) : ErrorCode.USER,
    name: typeof source.name === "string" && source.name ? source.name : "Error",
    message: typeof source.message === "string" ? source.message : String(source.message),
    stack: typeof source.stack === "string" ? source.stack : "",
    cause: cause !== undefined && depth < MAX_CAUSE_DEPTH ? serializeAt(cause, depth + 1) : undefined,
    propertiesJson: ownPropertiesJson(source),
    reason: isSdkError(source) ? reasonFor(source) : ErrorReason.UNSPECIFIED,
  };
}

/**
 * Rebuilds an Error from an ErrorInfo: name, message, stack, cause and own properties, plus
 * `reason` (the slug, e.g. "sleep_too_long") when Tenax raised it.
 */
export function deserializeError(info: ErrorInfoLike): Error {
  return deserializeAt(info, 0);
}

function deserializeAt(info: ErrorInfoLike, depth: number): Error {
  const cause = info.cause && depth < MAX_CAUSE_DEPTH ? deserializeAt(info.cause, depth + 1) : undefined;
  const error = new Error(info.message ?? "", cause === undefined ? undefined : { cause });
  error.name = info.name || "Error";
  // A local stack would point into the SDK, not where the error happened.
  error.stack = info.stack || `${error.name}: ${error.message}`;
  const props = parseProperties(info.propertiesJson);
  for (const [key, val] of Object.entries(props)) {
    if (!RESERVED_KEYS.has(key)) (error as unknown as Record<string, unknown>)[key] = val;
  }
  const reason = info.reason ? reasonSlug(info.reason) : "";
  if (reason) (error as Error & { reason?: string }).reason = reason;
  return error;
}

function isErrorLike(value: unknown): boolean {
  return value instanceof Error || Object.prototype.toString.call(value) === "[object Error]";
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // circular or bigint: fall through to String()
  }
  return String(value);
}

// Names of the SDK's error classes; also recognised after a round trip or from another SDK copy.
const SDK_ERROR_NAMES = new Set(["TenaxError", "NonRetriableError", "RetryAfterError", "StepError"]);

// Only the SDK's own codes are classified: a user error that happens to have
// `code: "internal"` or `"timeout"` is still a USER error.
function isSdkError(error: Error): boolean {
  return error instanceof TenaxError || SDK_ERROR_NAMES.has(error.name);
}

// A TenaxError code like "step_failed" maps onto ERROR_CODE_STEP_FAILED when
// the contract has it; every other code is USER.
function errorCodeFor(code: unknown): ErrorCode {
  if (typeof code === "string" && /^[a-z_]+$/.test(code)) {
    const mapped = (ErrorCode as unknown as Record<string, unknown>)[code.toUpperCase()];
    if (typeof mapped === "number" && mapped !== ErrorCode.UNSPECIFIED) return mapped as ErrorCode;
  }
  return ErrorCode.USER;
}

// The reason of an SDK error: a StepError's is its step's (set when Tenax failed the step), the
// others' is their code when the contract lists it ("invalid_duration"); the codes of the
// classes users throw themselves ("non_retriable", "retry_after") and "step_failed" are none.
function reasonFor(error: Error & { code?: unknown; reason?: unknown }): ErrorReason {
  const slug = typeof error.reason === "string" ? error.reason : error.code;
  return typeof slug === "string" ? reasonOf(slug) : ErrorReason.UNSPECIFIED;
}

function ownPropertiesJson(error: object): Uint8Array {
  const props: Record<string, unknown> = {};
  let count = 0;
  for (const key of Object.keys(error)) {
    if (RESERVED_KEYS.has(key)) continue;
    const val = (error as Record<string, unknown>)[key];
    // Keep only what survives JSON, property by property, so one bad field doesn't drop the rest.
    try {
      const json = JSON.stringify(val);
      if (json === undefined) continue;
      props[key] = JSON.parse(json);
      count++;
    } catch {
      continue;
    }
  }
  return count === 0 ? new Uint8Array() : encoder.encode(JSON.stringify(props));
}

function parseProperties(bytes: Uint8Array | undefined): Record<string, unknown> {
  if (!bytes || bytes.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
