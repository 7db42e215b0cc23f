import { Code, ConnectError } from "@connectrpc/connect";
import { TenaxError } from "../errors/tenax-error.js";
import { parseDuration, type Duration } from "../time/duration.js";

/** How long connect() keeps trying by default. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

const where = "set executorUrl (or TENAX_EXECUTOR_URL) to the executor's address (port 8289 by default)";

// TLS handshakes that fail on the certificate: the URL is right, the trust is not.
const certificateCodes = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The connectTimeout option in ms (Infinity: wait forever). */
export function connectTimeoutMs(value: Duration | undefined): number {
  if (value === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  if (value === Infinity) return Infinity;
  try {
    return parseDuration(value);
  } catch (err) {
    throw new TenaxError("invalid_config", `connect(): connectTimeout: ${(err as Error).message}`);
  }
}

/** The executor URL, checked: an http:// or https:// URL. */
export function checkExecutorUrl(url: string): void {
  let protocol = "";
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TenaxError("invalid_config", `connect(): executorUrl ${JSON.stringify(url)} is not an http:// or https:// URL; ${where}`);
  }
}

/**
 * A failure of the worker's first connection that no retry can fix, as the error connect()
 * rejects with; undefined for failures that may heal (nothing listens yet, DNS not there yet,
 * an executor draining), which are retried until connectTimeout.
 */
export function unfixableConnectError(err: unknown, executorUrl: string): TenaxError | undefined {
  const e = ConnectError.from(err);
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  const causeCode = typeof cause?.code === "string" ? cause.code : "";
  const detail = e.rawMessage.split("\n")[0];
  switch (e.code) {
    case Code.Unauthenticated:
    case Code.PermissionDenied:
      return new TenaxError(
        "unauthenticated",
        `the executor at ${executorUrl} refused this worker's key (${e.message}): set signingKey (or TENAX_SIGNING_KEY) to the signing key the services run with`,
        { cause: err },
      );
    case Code.Unimplemented:
      return new TenaxError("connect_failed", `${executorUrl} answered, but it is not a Tenax executor (${e.message}); is it the ingest's URL? ${where}`, {
        cause: err,
      });
    case Code.InvalidArgument:
      return new TenaxError("connect_failed", `the executor at ${executorUrl} refused the worker: ${e.message}`, { cause: err });
  }
  if (causeCode.startsWith("ERR_SSL_") || /wrong version number|packet length too long/i.test(detail)) {
    return new TenaxError(
      "connect_failed",
      `${executorUrl} does not speak TLS (the TLS handshake failed: ${tlsReason(detail)}): use an http:// URL for an executor without TLS`,
      { cause: err },
    );
  }
  if (certificateCodes.has(causeCode)) {
    return new TenaxError("connect_failed", `the TLS certificate of ${executorUrl} was refused (${causeCode}: ${String(cause?.message ?? detail)})`, {
      cause: err,
    });
  }
  if (causeCode === "ERR_HTTP2_ERROR" || causeCode === "ERR_HTTP2_SESSION_ERROR") {
    return new TenaxError("connect_failed", `${executorUrl} answered, but not as a gRPC server over HTTP/2 (${detail}): it is not a Tenax executor; ${where}`, {
      cause: err,
    });
  }
  return undefined;
}

/** Why connect() gave up on an executor that never answered. */
export function connectTimeoutError(executorUrl: string, timeoutMs: number, lastError: unknown): TenaxError {
  const last = lastError === undefined ? "" : `; last error: ${describe(lastError)}`;
  const tls = isCancelled(lastError) && executorUrl.startsWith("http:") ? " If the executor is behind TLS, use an https:// URL." : "";
  return new TenaxError(
    "connect_failed",
    `no Tenax executor answered at ${executorUrl} within ${formatMs(timeoutMs)}${last}. Start the services (npx tenax dev), or ${where}; ` +
      `connectTimeout sets how long to wait.${tls}`,
    { cause: lastError },
  );
}

function describe(err: unknown): string {
  if (typeof err === "string") return err;
  return err instanceof Error ? err.message.split("\n")[0]! : String(err);
}

function isCancelled(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.Canceled;
}

function tlsReason(detail: string): string {
  // OpenSSL's text is "<hex>:error:<hex>:SSL routines:<function>:<reason>:<file>:<line>:".
  const parts = detail.split(":");
  const routines = parts.indexOf("SSL routines");
  return routines >= 0 && parts[routines + 2] ? parts[routines + 2]! : detail;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
