import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

/** Large enough for a 32 MiB run state plus framing; our own checks name the real limits. */
export const maxMessageBytes = 64 * 1024 * 1024;

export interface ServeOptions {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  interceptors?: Interceptor[];
}

export interface RunningServer {
  readonly port: number;
  readonly address: string;
  /** Stops accepting connections and waits for open ones to finish (bounded). */
  close(timeoutMs?: number): Promise<void>;
}

const h2Preface = Buffer.from("PRI * HTTP/2.0");

/**
 * Serves gRPC, gRPC-Web and Connect on one port over both HTTP/2 (h2c) and HTTP/1.1. Node's h2c
 * server speaks only HTTP/2, so each connection is routed by its first bytes: the HTTP/2 preface
 * goes to the HTTP/2 server, anything else to an HTTP/1.1 server with the same handlers.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const handler = connectNodeAdapter({
    routes: options.routes,
    interceptors: options.interceptors ?? [],
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    // gzip costs more than it saves for small hot-path messages.
    compressMinBytes: 64 * 1024,
  });
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 10_000 } }, handler);
  const h1 = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  // No Nagle: hot-path messages are small and latency-bound (a step is a message each way).
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.once("readable", () => {
      const head: Buffer | null = socket.read();
      if (head === null) return void socket.destroy();
      socket.unshift(head);
      // "PRI" cannot start an HTTP/1.1 request line our handlers accept.
      const isH2 = head.subarray(0, 3).equals(h2Preface.subarray(0, 3));
      (isH2 ? h2 : h1).emit("connection", socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => resolve());
  });
  const port = (tcp.address() as net.AddressInfo).port;
  return {
    port,
    address: `${options.host}:${port}`,
    async close(timeoutMs = 5000) {
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      h1.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, timeoutMs);
      for (const s of sockets) if (!s.readableLength) s.end();
      await closed;
      clearTimeout(timer);
    },
  };
}
