import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason, ReasonError, reasonMessage, type Reasoned } from "@tenax/proto";

/**
 * An RPC error Tenax raises for a reason: the message keeps its one `[slug] ` prefix for people,
 * and an `ErrorInfo` detail carries the reason for programs (`err.findDetails(ErrorInfoSchema)`).
 * `reason` and `detail` (the text without the prefix) are readable in-process too, so a caller
 * that wraps the error adds context without parsing or doubling the prefix.
 */
export class ReasonConnectError extends ConnectError implements Reasoned {
  readonly reason: ErrorReason;
  readonly detail: string;

  constructor(reason: ErrorReason, detail: string, code: Code) {
    const message = reasonMessage(reason, detail);
    super(message, code, undefined, [{ desc: ErrorInfoSchema, value: { reason, message } }]);
    this.reason = reason;
    this.detail = detail;
  }
}

/** INVALID_ARGUMENT with its reason, e.g. `[invalid_event] events[3].name: …`. */
export function invalidArgument(reason: ErrorReason, detail: string): ConnectError {
  return new ReasonConnectError(reason, detail, Code.InvalidArgument);
}

export function notFound(reason: ErrorReason, detail: string): ConnectError {
  return new ReasonConnectError(reason, detail, Code.NotFound);
}

/**
 * Maps unexpected failures to UNAVAILABLE when the database is unreachable (clients retry)
 * and INTERNAL otherwise; ConnectErrors pass through, and an error with a reason keeps it.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof ReasonError) return new ReasonConnectError(err.reason, err.detail, Code.Internal);
  const e = err as { code?: string; message?: string };
  const transient = [
    "ECONNREFUSED",
    "ECONNRESET",
    "57P01",
    "57P02",
    "57P03",
    "08006",
    "08001",
    "CONNECTION_CLOSED",
    "CONNECTION_ENDED",
    "CONNECTION_DESTROYED",
  ];
  if (e?.code && transient.includes(e.code)) {
    return new ReasonConnectError(ErrorReason.DATABASE_UNAVAILABLE, e.message ?? e.code, Code.Unavailable);
  }
  return new ReasonConnectError(ErrorReason.INTERNAL, e?.message ?? String(err), Code.Internal);
}
