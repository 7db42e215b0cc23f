import type * as http from "node:http";
import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { ErrorReason } from "@tenax/proto";
import type { AuthRule } from "./auth.js";
import { keyMatches } from "./auth.js";
import { ReasonConnectError } from "./errors.js";
import { readMaxBytesOf } from "./request-limits.js";

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/**
 * What can be refused from the request line and headers alone, before connect reads, inflates
 * and parses a body (it does that before any interceptor runs, for unary and server-streaming
 * calls): a missing or wrong key, a declared body over the method's limit. The auth interceptor
 * still runs after it; this only makes the refusal cheap.
 */
export function earlyRefusal(req: Request, rule: AuthRule | undefined): ConnectError | undefined {
  const match = /^\/([\w.]+)\/(\w+)$/.exec((req.url ?? "").split("?")[0] ?? "");
  if (!match) return undefined; // not an RPC path: connect answers it (404, …)
  const [, service, method] = match as unknown as [string, string, string];
  const keys = rule?.keys(method) ?? [];
  if (keys.length > 0) {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
    if (!token || !keys.some((k) => keyMatches(token, k))) {
      return new ReasonConnectError(
        ErrorReason.UNAUTHENTICATED,
        `${service}/${method} requires a valid key in "authorization: Bearer <key>"`,
        Code.Unauthenticated,
      );
    }
  }
  const declared = Number(req.headers["content-length"] ?? NaN);
  const max = readMaxBytesOf(service);
  if (Number.isFinite(declared) && declared > max) {
    return new ReasonConnectError(
      ErrorReason.REQUEST_TOO_LARGE,
      `${service}/${method}: a request body of ${declared} bytes exceeds the limit of ${max} bytes for this service`,
      Code.ResourceExhausted,
    );
  }
  return undefined;
}

/**
 * Answers with `error` in the caller's protocol without reading the body: gRPC and gRPC-Web get a
 * trailers-only response (HTTP 200, grpc-status), Connect an HTTP status and its JSON error. An
 * HTTP/1.1 connection is closed after it, since the unread body cannot be skipped.
 */
export function writeRefusal(req: Request, res: Response, error: ConnectError): void {
  const contentType = String(req.headers["content-type"] ?? "");
  const close: Record<string, string> = req.httpVersionMajor === 1 ? { connection: "close" } : {};
  const out = res as http.ServerResponse;
  // connect's own helpers, pinned with the package (2.1.2), so the bytes are what its clients read.
  if (contentType.startsWith("application/grpc")) {
    const headers = setTrailerStatus(new Headers({ "content-type": contentType.split(";")[0]! }), error);
    out.writeHead(200, { ...Object.fromEntries(headers), ...close });
    out.end();
  } else {
    const body = errorToJsonBytes(error, {});
    out.writeHead(codeToHttpStatus(error.code), { "content-type": "application/json", "content-length": String(body.length), ...close });
    out.end(body);
  }
}
