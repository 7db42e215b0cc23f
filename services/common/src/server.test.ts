import { once } from "node:events";
import * as net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "./logger.js";
import { ErrorReason } from "@tenax/proto";
import { checkListen, serve, type RunningServer, type ServeOptions } from "./server.js";

type Line = { level: string; msg: string; fields?: Record<string, unknown> };

function recordingLogger(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger };
  return { logger, lines };
}

let server: RunningServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close(1000);
  server = undefined;
});

/** A server with no routes: every HTTP request gets a 404, which proves it still answers. */
async function start(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  server = await serve({ host: "127.0.0.1", port: 0, routes: () => {}, ...options });
  return server;
}

async function answers(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/nope`, { method: "POST" });
  await res.arrayBuffer();
  return res.status;
}

async function connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<net.Socket> {
  const socket = net.connect({ port, host: "127.0.0.1", ...options });
  socket.on("error", () => {}); // the server may reset; the tests look at 'close'
  await once(socket, "connect");
  return socket;
}

describe("serve()", () => {
  it("logs accept errors (EMFILE) and keeps serving", async () => {
    // libuv hides most EMFILE behind its reserve-fd trick; what still reaches Node is an 'error'
    // on the listening server, so that is what is emitted here.
    const listen = vi.spyOn(net.Server.prototype, "listen");
    const { logger, lines } = recordingLogger();
    const { port } = await start({ logger });
    const tcp = listen.mock.contexts[0] as net.Server;
    const emfile = Object.assign(new Error("accept EMFILE"), { code: "EMFILE", syscall: "accept" });
    expect(() => {
      tcp.emit("error", emfile);
      tcp.emit("error", emfile);
    }).not.toThrow();
    expect(lines.filter((l) => l.level === "error")).toEqual([
      { level: "error", msg: "accepting a connection failed; still listening", fields: { err: emfile } },
      { level: "error", msg: "accepting a connection failed; still listening", fields: { err: emfile } },
    ]);
    expect(await answers(port)).toBe(404);
  });

  it("without a logger, accept errors go to console.error", async () => {
    const listen = vi.spyOn(net.Server.prototype, "listen");
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => {});
    const { port } = await start();
    (listen.mock.contexts[0] as net.Server).emit("error", new Error("accept ENFILE"));
    expect(consoleError).toHaveBeenCalledWith("accepting a connection failed; still listening", { err: new Error("accept ENFILE") });
    expect(await answers(port)).toBe(404);
  });

  it("survives a reset before the first byte", async () => {
    const { port } = await start();
    const socket = await connect(port);
    socket.resetAndDestroy();
    await once(socket, "close");
    // An unhandled socket 'error' in this process would fail the run; the server must still answer.
    expect(await answers(port)).toBe(404);
  });

  it("routes an HTTP/2 preface that arrives one byte first to the HTTP/2 server", async () => {
    const { port } = await start();
    const socket = await connect(port);
    await new Promise((resolve) => socket.write("P", resolve));
    // A full exchange on another connection lets the server read the lone "P" first.
    expect(await answers(port)).toBe(404);
    socket.write("RI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const [reply] = (await once(socket, "data")) as [Buffer];
    // The HTTP/2 server's SETTINGS frame (type 4 on stream 0), not "HTTP/1.1 400".
    expect(reply[3]).toBe(0x04);
    expect(reply.readUInt32BE(5)).toBe(0);
    socket.destroy();
  });

  it("drops a connection that ends before its first bytes could be routed", async () => {
    const { logger, lines } = recordingLogger();
    const { port } = await start({ logger });
    const socket = await connect(port);
    socket.end("P");
    await once(socket, "close");
    expect(lines).toContainEqual({
      level: "debug",
      msg: "connection dropped before routing",
      fields: { reason: "ended before its first bytes could be routed" },
    });
  });

  it("drops a silent connection after the sniff timeout", { timeout: 10_000 }, async () => {
    const { logger, lines } = recordingLogger();
    const { port } = await start({ logger, sniffTimeoutMs: 200 });
    const socket = await connect(port);
    await once(socket, "close");
    expect(lines).toContainEqual({ level: "debug", msg: "connection dropped before routing", fields: { reason: "not routable within the sniff timeout" } });
  });

  it("close() does not wait on a silent half-open connection", { timeout: 10_000 }, async () => {
    const { port } = await start();
    const socket = await connect(port, { allowHalfOpen: true }); // never answers the server's FIN
    expect(await answers(port)).toBe(404); // the server has accepted the silent socket by now
    const ended = once(socket.resume(), "end");
    await server!.close(120_000);
    server = undefined;
    await ended;
    socket.destroy();
  });
});

describe("a port that cannot be used", () => {
  it("fails at once, naming the setting to change", async () => {
    const taken = await start();
    await expect(checkListen("127.0.0.1", taken.port, "TENAX_INGEST_LISTEN")).rejects.toMatchObject({
      reason: ErrorReason.INVALID_SETTING,
      message: `[invalid_setting] TENAX_INGEST_LISTEN: 127.0.0.1:${taken.port} is already in use (another Tenax, or another program, listens there); set TENAX_INGEST_LISTEN to a free host:port`,
    });
    await expect(serve({ host: "127.0.0.1", port: taken.port, routes: () => {}, listenSetting: "TENAX_EXECUTOR_LISTEN" })).rejects.toThrow(
      /TENAX_EXECUTOR_LISTEN: .* is already in use/,
    );
    // A free port passes, and stays free.
    await checkListen("127.0.0.1", 0, "TENAX_INGEST_LISTEN");
  });
});
