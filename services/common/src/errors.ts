import { Code, ConnectError } from "@connectrpc/connect";

/** INVALID_ARGUMENT with a stable code prefix, e.g. `[invalid_event] events[3].name: …`. */
export function invalidArgument(code: string, message: string): ConnectError {
  return new ConnectError(`[${code}] ${message}`, Code.InvalidArgument);
}

export function notFound(code: string, message: string): ConnectError {
  return new ConnectError(`[${code}] ${message}`, Code.NotFound);
}

/**
 * Maps unexpected failures to UNAVAILABLE when the database is unreachable (clients retry)
 * and INTERNAL otherwise; ConnectErrors pass through.
 */
export function toConnectError(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = err as { code?: string; message?: string };
  const transient = ["ECONNREFUSED", "ECONNRESET", "57P01", "57P02", "57P03", "08006", "08001", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED"];
  if (e?.code && transient.includes(e.code)) {
    return new ConnectError(`[database_unavailable] ${e.message ?? e.code}`, Code.Unavailable);
  }
  return new ConnectError(`[internal] ${e?.message ?? String(err)}`, Code.Internal);
}
