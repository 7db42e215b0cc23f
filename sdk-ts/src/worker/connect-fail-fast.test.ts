import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { IngestService, WorkerService } from "@tenax/proto";
import { afterEach, describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import type { LogFields, Logger } from "../logger/logger.js";
import type { ConnectOptions, Worker } from "./types.js";

// connect() against URLs that are wrong in every way a user gets them wrong: each mistake no
// retry can fix rejects at once with a code and a message that says what to change; the rest
// reject after connectTimeout; once connected, the worker never gives up.

type Line = { level: string; message: string; fields?: LogFields };

/** A logger that records lines and lets a test await one (never a fixed sleep). */
function recordingLogger() {
  const lines: Line[] = [];
  const waiters: Array<{ pred: (l: Line) => boolean; resolve: () => void }> = [];
  const at = (level: string) => (message: string, fields?: LogFields) => {
    const line = { level, message, fields };
    lines.push(line);
    for (const w of [...waiters]) if (w.pred(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  const next = (pred: (l: Line) => boolean) => new Promise<void>((resolve) => waiters.push({ pred, resolve }));
  return { logger, lines, next };
}

const closers: Array<() => Promise<void>> = [];
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.close({ timeoutMs: 500 });
  worker = undefined;
  for (const close of closers.splice(0)) await close();
});

/** An HTTP/2 (h2c) server with the given routes; port 0 picks a free one. */
async function h2Server(routes: (router: ConnectRouter) => void, port = 0): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = http2.createServer(connectNodeAdapter({ routes }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => (sessions.add(s), s.on("close", () => sessions.delete(s))));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = (server.address() as AddressInfo).port;
  const close = async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  closers.push(close);
  return { url: `http://127.0.0.1:${actual}`, port: actual, close };
}

/** An executor that registers every function: enough for connect() to resolve. */
const executorRoutes = (router: ConnectRouter) =>
  router.service(WorkerService, {
    async *connect(requests) {
      for await (const message of requests) {
        if (message.kind.case !== "hello") continue;
        const functions = message.kind.value.functions.map((f) => ({ functionId: f.id, ok: true, version: 1 }));
        yield { kind: { case: "registered", value: { connectionId: "c1", functions, heartbeatIntervalMs: 60_000n, leaseMs: 30_000n } } };
      }
    },
  });

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const { port, close } = await h2Server(() => {});
  await close();
  closers.pop();
  return port;
}

function connect(executorUrl: string, options: Partial<ConnectOptions> = {}, logger: Logger = recordingLogger().logger) {
  const tenax = new Tenax({ id: "shop", executorUrl, ingestUrl: executorUrl, logger });
  const fn = tenax.createFunction({ id: "f" }, { event: "e" }, async () => "ok");
  return tenax.connect({ functions: [fn], reconnectBackoffMs: { initial: 10, max: 50 }, ...options });
}

describe("connect() fails fast", () => {
  it("rejects at once when the URL answers but is not the executor (the ingest port)", async () => {
    const ingest = await h2Server((router) => router.service(IngestService, { sendEvents: async () => ({ ids: [] }) }));
    const started = Date.now();
    const err = await connect(ingest.url, { connectTimeout: "1m" }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toMatchObject({ name: "TenaxError", code: "connect_failed" });
    expect((err as Error).message).toMatch(
      /answered, but it is not a Tenax executor \(\[unimplemented\] HTTP 404\); is it the ingest's URL\? set executorUrl \(or TENAX_EXECUTOR_URL\)/,
    );
  });

  it("rejects at once on https against a cleartext port", async () => {
    const executor = await h2Server(executorRoutes);
    const err = await connect(executor.url.replace("http:", "https:"), { connectTimeout: "1m" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "connect_failed" });
    expect((err as Error).message).toMatch(/does not speak TLS \(the TLS handshake failed: wrong version number\): use an http:\/\/ URL/);
  });

  it("rejects at once when the port speaks HTTP/1.1 only (not an executor)", async () => {
    const server = http.createServer((_req, res) => res.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const err = await connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connectTimeout: "1m" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "connect_failed" });
    expect((err as Error).message).toMatch(/not as a gRPC server over HTTP\/2/);
  });

  it("rejects at once when the executor refuses the key", async () => {
    const executor = await h2Server((router) =>
      router.service(WorkerService, {
        async *connect() {
          throw new ConnectError("[unauthenticated] missing or wrong key", Code.Unauthenticated);
        },
      }),
    );
    const err = await connect(executor.url, { connectTimeout: "1m" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "unauthenticated" });
    expect((err as Error).message).toMatch(/refused this worker's key .*: set signingKey \(or TENAX_SIGNING_KEY\)/);
  });

  it("rejects a URL that is not http(s) before trying", async () => {
    await expect(connect("127.0.0.1:8289")).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringMatching(/is not an http:\/\/ or https:\/\/ URL/),
    });
    await expect(connect("http://127.0.0.1:1", { connectTimeout: "soon" as never })).rejects.toMatchObject({ code: "invalid_config" });
  });

  it("keeps trying a refused connection until connectTimeout, then says what it tried", async () => {
    const port = await closedPort();
    const { logger, lines } = recordingLogger();
    const started = Date.now();
    const err = await connect(`http://127.0.0.1:${port}`, { connectTimeout: 300 }, logger).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(err).toMatchObject({ code: "connect_failed" });
    expect((err as Error).message).toMatch(
      new RegExp(`no Tenax executor answered at http://127.0.0.1:${port} within 300 ms; last error: .*ECONNREFUSED.*Start the services .*connectTimeout`),
    );
    // One warning, however many attempts.
    expect(lines.filter((l) => l.level === "warn").map((l) => l.message)).toEqual(["cannot reach the executor yet; retrying"]);
  });

  it("connects to an executor that starts while it waits", async () => {
    const port = await closedPort();
    const { logger, next } = recordingLogger();
    const retrying = next((l) => l.message === "cannot reach the executor yet; retrying");
    const connecting = connect(`http://127.0.0.1:${port}`, { connectTimeout: "30s" }, logger);
    await retrying;
    await h2Server(executorRoutes, port);
    worker = await connecting;
    expect(worker.instanceId).toBeTruthy();
  });

  it("once connected, reconnects forever: connectTimeout no longer applies", async () => {
    const executor = await h2Server(executorRoutes);
    const { logger, next } = recordingLogger();
    worker = await connect(executor.url, { connectTimeout: 100 }, logger);
    await executor.close();
    closers.pop();
    const down = Date.now();
    // Retries well past connectTimeout…
    while (Date.now() - down < 500) await next((l) => l.message === "worker stream ended; reconnecting");
    // …and connects again once the executor is back.
    const reconnected = next((l) => l.message === "worker connected");
    await h2Server(executorRoutes, executor.port);
    await reconnected;
  });
});
