import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { ErrorCode, ErrorInfoSchema, ErrorReason, ErrorReasonSchema, type ErrorInfo } from "../gen/tenax/v1/errors_pb.js";

/**
 * The closed list of error reasons is `ErrorReason` in errors.proto. Its slug (the name without
 * the prefix, lower-cased: "sleep_too_long") is what people read in messages (`[slug] …`) and
 * what the SDK's `TenaxError.code` holds; programs read `ErrorInfo.reason`, never the text.
 */
const slugs = new Map<ErrorReason, string>();
const reasons = new Map<string, ErrorReason>();
for (const value of ErrorReasonSchema.values) {
  if (value.number === ErrorReason.UNSPECIFIED) continue;
  const slug = value.localName.toLowerCase();
  slugs.set(value.number, slug);
  reasons.set(slug, value.number);
}

/** The slug of a reason ("sleep_too_long"); "" for UNSPECIFIED or a number this contract lacks. */
export function reasonSlug(reason: ErrorReason): string {
  return slugs.get(reason) ?? "";
}

/** The reason a slug names; UNSPECIFIED for a slug outside the closed list. */
export function reasonOf(slug: string): ErrorReason {
  return reasons.get(slug) ?? ErrorReason.UNSPECIFIED;
}

/** A message for people: the detail with the reason's one `[slug] ` prefix (none for UNSPECIFIED). */
export function reasonMessage(reason: ErrorReason, detail: string): string {
  const slug = reasonSlug(reason);
  return slug ? `[${slug}] ${detail}` : detail;
}

/** What an error Tenax raises for a reason carries besides its message. */
export interface Reasoned {
  readonly reason: ErrorReason;
  /** The message without its `[slug] ` prefix: callers that add context never double it. */
  readonly detail: string;
}

/**
 * An error Tenax itself raises: the reason is data, the detail is the text without the prefix,
 * and the message is both, for people. (RPC errors: `ReasonConnectError` in @tenax/common.)
 */
export class ReasonError extends Error implements Reasoned {
  readonly reason: ErrorReason;
  readonly detail: string;

  constructor(reason: ErrorReason, detail: string, options?: { cause?: unknown }) {
    super(reasonMessage(reason, detail), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ReasonError";
    this.reason = reason;
    this.detail = detail;
  }
}

/**
 * The reason and detail of an error that carries them (a ReasonError, a ReasonConnectError);
 * for any other error, `fallback` and its message.
 */
export function reasonOfError(err: unknown, fallback: ErrorReason): Reasoned {
  const e = err as Partial<Reasoned> | null | undefined;
  if (typeof e?.reason === "number" && reasonSlug(e.reason) && typeof e.detail === "string") return { reason: e.reason, detail: e.detail };
  return { reason: fallback, detail: err instanceof Error ? err.message : String(err) };
}

/** The ErrorInfo of an error Tenax causes: its code, its reason, and the message with its prefix. */
export function reasonErrorInfo(code: ErrorCode, reason: ErrorReason, detail: string, name = "TenaxError"): ErrorInfo {
  return create(ErrorInfoSchema, { code, reason, name, message: reasonMessage(reason, detail) });
}

/** The same in protobuf JSON form, as errors are stored (jsonb) and put into events. */
export function reasonErrorJson(code: ErrorCode, reason: ErrorReason, detail: string, name = "TenaxError"): JsonObject {
  return toJson(ErrorInfoSchema, reasonErrorInfo(code, reason, detail, name)) as JsonObject;
}
