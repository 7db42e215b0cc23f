import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ErrorReason, ReasonError } from "@tenax/proto";
import type { AuthRule } from "./auth.js";
import { earlyRefusal, writeRefusal } from "./early-reject.js";
import type { Logger } from "./logger.js";
import { maxMessageBytes, readMaxBytesOf } from "./request-limits.js";
import { routeConnection } from "./route-connection.js";

/** How long a new connection may take to send its first bytes before it is dropped (it holds a socket). */
export const defaultSniffTimeoutMs = 30_000;

export interface ServeOptions {
  host: string;
  port: number;
  routes: (router: ConnectRouter) => void;
  interceptors?: Interceptor[];
  /** Keys checked from the headers before a body is read (the auth interceptor checks them again). */
  authRule?: AuthRule;
  /** Where connection-level trouble is logged; without one, errors go to stderr. */
  logger?: Logger;
  /** A connection whose first bytes (enough to route it) take longer than this is destroyed
   * (default 30 s; 0: never). */
  sniffTimeoutMs?: number;
  /** The setting that chose the address (e.g. TENAX_INGEST_LISTEN), named when it cannot be used. */
  listenSetting?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly address: string;
  /** Stops accepting connections and waits for open ones to finish (bounded). */
  close(timeoutMs?: number): Promise<void>;
}

type ServerLog = Pick<Logger, "debug" | "error">;
const stderrLog: ServerLog = {
  debug() {},
  error: (msg, fields) => console.error(msg, fields ?? ""),
};

/**
 * Serves gRPC, gRPC-Web and Connect on one port over both HTTP/2 (h2c) and HTTP/1.1. Node's h2c
 * server speaks only HTTP/2, so each connection is routed by its first bytes: the HTTP/2 preface
 * goes to the HTTP/2 server, anything else to an HTTP/1.1 server with the same handlers.
 */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const log: ServerLog = options.logger ?? stderrLog;
  // Aborted on close: long-lived streams (WatchRun, worker streams) end; unary handlers ignore it.
  const shutdown = new AbortController();
  let closing = false;
  let inFlight = 0;
  let settled: (() => void) | undefined;
  const connectHandler = connectNodeAdapter({
    shutdownSignal: shutdown.signal,
    // Each service reads at most its own limit (request-limits.ts).
    routes: (router) =>
      options.routes({
        ...router,
        service: (desc, impl, opts) => router.service(desc, impl, { readMaxBytes: readMaxBytesOf(desc.typeName), ...opts }),
      } as ConnectRouter),
    interceptors: options.interceptors ?? [],
    readMaxBytes: maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    // gzip costs more than it saves for small hot-path messages.
    compressMinBytes: 64 * 1024,
  });
  const handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const deadline = headDeadlines.get(req.socket as net.Socket);
    if (deadline) {
      clearTimeout(deadline);
      headDeadlines.delete(req.socket as net.Socket);
    }
    const refusal = earlyRefusal(req, options.authRule);
    if (refusal) return writeRefusal(req, res, refusal);
    // Counted until its response is sent, so that close() answers what was accepted.
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (closing) h1.closeIdleConnections();
      if (inFlight === 0) settled?.();
    });
    if (closing && req.httpVersionMajor === 1) (res as http.ServerResponse).setHeader("connection", "close");
    connectHandler(req, res);
  };
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: 10_000 } }, handler);
  // Node's defaults already keep both servers alive on client trouble: a session error is only
  // emitted as 'sessionError' (logged here), and without a 'clientError' listener the HTTP/1.1
  // server answers 400 (garbage bytes, e.g. a TLS ClientHello) and destroys the socket.
  h2.on("sessionError", (err) => log.debug("http2 session error", { err: String(err) }));
  const sniffTimeoutMs = options.sniffTimeoutMs ?? defaultSniffTimeoutMs;
  const headDeadlines = new WeakMap<net.Socket, NodeJS.Timeout>();
  // Slowloris: a request head trickled in a byte at a time must arrive whole within the same
  // time as the routing bytes (node's own default is 60 s); node checks every second.
  const headersTimeout = sniffTimeoutMs > 0 ? sniffTimeoutMs : 60_000;
  const h1 = http.createServer({ headersTimeout, requestTimeout: Math.max(300_000, headersTimeout), connectionsCheckingInterval: 1000 }, handler);
  // Node enforces those timeouts on the connections it tracks, and starts tracking when the server
  // emits 'listening'; this one never listens itself (connections are handed to it), so say it.
  h1.emit("listening");
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  const sockets = new Set<net.Socket>();
  const unrouted = new Set<net.Socket>();
  // No Nagle: hot-path messages are small and latency-bound (a step is a message each way).
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    // First thing: a reset before any byte arrives would otherwise be an unhandled 'error'.
    // It stays attached after the handoff as a safety net; both servers add their own handling.
    socket.on("error", (err) => log.debug("connection error", { err: String(err) }));
    socket.setNoDelay(true);
    sockets.add(socket);
    unrouted.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      unrouted.delete(socket);
    });
    const handTo = (server: net.Server) => (s: net.Socket) => {
      unrouted.delete(s);
      server.emit("connection", s);
    };
    routeConnection(socket, {
      h2: handTo(h2),
      h1: (s) => {
        // The first request head must be whole within headersTimeout too: node's own check
        // misses a head that arrived in part with the routing bytes and then went silent.
        const timer = setTimeout(() => s.destroy(), headersTimeout);
        headDeadlines.set(s, timer);
        s.once("close", () => clearTimeout(timer));
        handTo(h1)(s);
      },
      timeoutMs: sniffTimeoutMs,
      dropped: (reason) => log.debug("connection dropped before routing", { reason }),
    });
  });
  await listenOn(tcp, options.host, options.port, options.listenSetting);
  // After listen, 'error' means accepting failed (EMFILE, ENFILE, ...; libuv absorbs most EMFILE
  // itself). Without a listener it would kill the process; the server keeps listening.
  tcp.on("error", (err) => log.error("accepting a connection failed; still listening", { err }));
  const port = (tcp.address() as net.AddressInfo).port;
  return {
    port,
    address: `${options.host}:${port}`,
    /**
     * Stops accepting, lets every request in flight get its answer (a SendEvents that committed
     * must not lose its response), ends streams, then closes the connections; what is still open
     * after `timeoutMs` is destroyed.
     */
    async close(timeoutMs = 5000) {
      closing = true;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      // Connections not yet routed carry no request: drop them rather than wait on them.
      for (const s of unrouted) s.destroy();
      shutdown.abort();
      for (const session of sessions) session.close(); // GOAWAY: no new streams, open ones finish
      h1.closeIdleConnections();
      const answered = new Promise<void>((resolve) => {
        settled = resolve;
        if (inFlight === 0) resolve();
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([answered, timedOut]);
      for (const s of sockets) s.end();
      await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/**
 * Fails at once, naming `setting`, when host:port cannot be listened on (in use, not an address
 * of this machine, a privileged port): a service checks its address before it waits for the
 * database. Port 0 (any free port) always works.
 */
export async function checkListen(host: string, port: number, setting?: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await listenOn(probe, host, port, setting);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

async function listenOn(server: net.Server, host: string, port: number, setting: string | undefined): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, setting));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** A listen failure in words, with the setting to change. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number, setting?: string): Error {
  const address = `${host}:${port}`;
  const problem =
    err.code === "EADDRINUSE"
      ? `${address} is already in use (another Tenax, or another program, listens there)`
      : err.code === "EACCES"
        ? `${address}: permission denied (ports below 1024 need privileges)`
        : err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND" || err.code === "EAI_AGAIN"
          ? `${address}: ${host} is not an address of this machine`
          : `cannot listen on ${address}: ${err.message}`;
  const fix = setting ? `; set ${setting} to a free host:port` : "";
  return new ReasonError(ErrorReason.INVALID_SETTING, `${setting ? `${setting}: ` : ""}${problem}${fix}`, { cause: err });
}
