import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";

// Payloads (events, memos) can be large; the services accept up to 64 MiB.
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** A gRPC (HTTP/2) transport to a Tenax service. */
export function createTenaxTransport(baseUrl: string): Transport {
  return createGrpcTransport({
    baseUrl,
    // The services don't compress; skipping negotiation avoids surprises.
    acceptCompression: [],
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  });
}

/** Request headers carrying `key` as a bearer token, or none without a key. */
export function authHeaders(key: string | undefined): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}
