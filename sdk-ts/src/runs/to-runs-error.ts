import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason, reasonSlug } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";

/**
 * A failed run API call as a TenaxError. The code is the reason the service gave
 * ("run_not_found", "invalid_run_id", "invalid_page_token", "database_unavailable", …);
 * "unauthenticated" for a missing or wrong key; "connect_failed" when the URL does not answer
 * as a Tenax ingest (refused, unknown host, another service, a lost connection); "internal"
 * otherwise. `doing` says what was attempted ("get run …"); the RPC error is the cause.
 */
export function toRunsError(err: unknown, doing: string, ingestUrl: string): TenaxError {
  if (err instanceof TenaxError) return err;
  const rpc = ConnectError.from(err);
  const reason = reasonOfRpc(rpc);
  const slug = reasonSlug(reason);
  // The service's message carries its "[slug] " prefix for people; the SDK's carry none.
  const detail = rpc.rawMessage.replace(/^\[[a-z_]+\] /, "");
  if (reason === ErrorReason.UNAUTHENTICATED || rpc.code === Code.Unauthenticated) {
    return new TenaxError(
      "unauthenticated",
      `${doing}: ${detail} (the run API needs the signing key when ingest has keys: new Tenax({ signingKey }) or TENAX_SIGNING_KEY)`,
      { cause: err },
    );
  }
  if (slug) return new TenaxError(slug, `${doing}: ${detail}`, { cause: err });
  if (CONNECT_CODES.has(rpc.code)) {
    return new TenaxError("connect_failed", `${doing}: ingest at ${ingestUrl} did not answer as the Tenax run API: ${rpc.message}`, { cause: err });
  }
  return new TenaxError("internal", `${doing}: ${rpc.message}`, { cause: err });
}

/**
 * Whether a call that failed this way may work if made again: the connection was lost or the
 * database was briefly unreachable. Errors with any other reason are final.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof TenaxError) return err.code === "connect_failed" || err.code === "database_unavailable";
  const rpc = ConnectError.from(err);
  const reason = reasonOfRpc(rpc);
  if (reason !== ErrorReason.UNSPECIFIED) return reason === ErrorReason.DATABASE_UNAVAILABLE;
  return TRANSIENT_CODES.has(rpc.code);
}

// Codes of a transport that reached no run API: refused, unknown host, TLS, an HTTP 404.
const CONNECT_CODES = new Set([Code.Unavailable, Code.Unimplemented, Code.Unknown, Code.DeadlineExceeded, Code.Aborted]);
// Codes of a stream cut off midway (a restarting ingest, a reset connection: CANCEL from the
// peer; a cancel of our own is told apart by the caller's signal).
const TRANSIENT_CODES = new Set([Code.Unavailable, Code.Unknown, Code.Aborted, Code.Internal, Code.Canceled]);

function reasonOfRpc(rpc: ConnectError): ErrorReason {
  return rpc.findDetails(ErrorInfoSchema)[0]?.reason ?? ErrorReason.UNSPECIFIED;
}
