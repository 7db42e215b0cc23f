// Misbehaving TCP clients on every service port: resets, split prefaces, garbage, silence.
// None of them may take a service down or hold a connection forever.
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { HealthService, RunStatus } from "@tenax/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProcess } from "./setup/process.js";
import { startStack, type ServiceName, type Stack } from "./setup/stack.js";

const sniffTimeoutMs = 3000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("sockets", { TENAX_SNIFF_TIMEOUT_MS: String(sniffTimeoutMs) });
  // Connected before the abuse: its stream to the executor must survive it.
  await stack.worker("basic.ts");
});
afterAll(() => stack?.stop());

const services: ServiceName[] = ["ingest", "executor", "scheduler"];
const urlOf = (name: ServiceName) => ({ ingest: stack.ingestUrl, executor: stack.executorUrl, scheduler: stack.schedulerUrl })[name];
const portOf = (name: ServiceName) => Number(new URL(urlOf(name)).port);

const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const h1Request = Buffer.from("GET /tenax.v1.HealthService/Check HTTP/1.1\r\nHost: tenax\r\n\r\n");
// The start of a TLS 1.0 record carrying a ClientHello: what a TLS client sends to a cleartext port.
const tlsClientHello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, ...Array(32).fill(0x2a), 0x00, 0x00, 0x02, 0x13, 0x01]);

async function connect(name: ServiceName): Promise<net.Socket> {
  const socket = net.connect(portOf(name), "127.0.0.1");
  socket.on("error", () => {}); // the server may reset us; tests look at 'close'
  await once(socket, "connect");
  return socket;
}

const written = (socket: net.Socket, bytes: Buffer | string) => new Promise((resolve) => socket.write(bytes, resolve));

async function reset(socket: net.Socket): Promise<void> {
  socket.resetAndDestroy();
  await once(socket, "close");
}

/** HealthService.Check on a fresh HTTP/2 connection; also proves the process is alive. */
async function expectHealthy(name: ServiceName, nodeOptions?: http2.ClientSessionOptions) {
  expect(stack.procs.get(name)!.child.exitCode).toBeNull();
  const health = await createClient(HealthService, createGrpcTransport({ baseUrl: urlOf(name), acceptCompression: [], nodeOptions })).check({});
  expect(health).toMatchObject({ service: name, databaseOk: true });
}

/**
 * A connection whose first write reaches the server as the single byte "P": the rest follows only
 * after `between` (a round trip to the same server, so the server has read the lone byte).
 */
function splitFirstWrite(name: ServiceName, between: () => Promise<void>): Duplex {
  const socket = net.connect(portOf(name), "127.0.0.1");
  let first = true;
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write(chunk: Buffer, _enc, done) {
      if (!first) return void socket.write(chunk, done);
      first = false;
      socket.write(chunk.subarray(0, 1), () => between().then(() => socket.write(chunk.subarray(1), done), done));
    },
    final: (done) => void socket.end(done),
    destroy: (err, done) => (socket.destroy(), done(err)),
  });
  socket.on("data", (d) => duplex.push(d) || socket.pause());
  socket.on("end", () => duplex.push(null));
  socket.on("error", (err) => duplex.destroy(err));
  return duplex;
}

describe.each(services)("the %s port", (name) => {
  it("survives 20 resets before the first byte", async () => {
    await Promise.all(Array.from({ length: 20 }, async () => reset(await connect(name))));
    await expectHealthy(name);
  });

  it("survives resets after the first bytes of an HTTP/2 preface and of an HTTP/1.1 request", async () => {
    // Still being routed: too few bytes to tell the protocols apart.
    for (const head of [h2Preface.subarray(0, 2), h1Request.subarray(0, 2)]) {
      const socket = await connect(name);
      await written(socket, head);
      await reset(socket);
    }
    // Handed to the HTTP/2 server: its SETTINGS frame has come back.
    const h2 = await connect(name);
    const settings = once(h2, "data");
    await written(h2, h2Preface);
    await settings;
    await reset(h2);
    // Handed to the HTTP/1.1 server mid-request: headers sent, body still missing.
    const h1 = await connect(name);
    await written(h1, "POST /tenax.v1.HealthService/Check HTTP/1.1\r\nHost: tenax\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    await reset(h1);
    await expectHealthy(name);
  });

  it("survives a reset in the middle of an HTTP/2 stream", async () => {
    const socket = net.connect(portOf(name), "127.0.0.1");
    socket.on("error", () => {});
    const session = http2.connect(urlOf(name), { createConnection: () => socket });
    session.on("error", () => {});
    await once(session, "remoteSettings");
    const req = session.request({ ":method": "POST", ":path": "/tenax.v1.HealthService/Check", "content-type": "application/grpc", te: "trailers" });
    req.on("error", () => {});
    // A gRPC frame header announcing 100 bytes, then only one of them.
    await new Promise((resolve) => req.write(Buffer.from([0, 0, 0, 0, 100, 1]), resolve));
    await reset(socket);
    session.destroy();
    await expectHealthy(name);
  });

  it("routes an HTTP/2 preface split across reads to HTTP/2 (a gRPC health check over it)", async () => {
    const between = () => expectHealthy(name);
    await expectHealthy(name, { createConnection: () => splitFirstWrite(name, between) });
  });

  it("closes a connection that sends garbage (a TLS ClientHello)", async () => {
    const socket = await connect(name);
    const received: Buffer[] = [];
    socket.on("data", (d: Buffer) => received.push(d));
    const closed = once(socket, "close");
    socket.write(tlsClientHello);
    await closed;
    expect(Buffer.concat(received).toString("latin1")).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    await expectHealthy(name);
  });

  it("answers while a silent connection is open, and drops that connection after the sniff timeout", async () => {
    const socket = await connect(name);
    const closed = once(socket.resume(), "close");
    await expectHealthy(name);
    expect(socket.closed).toBe(false); // the sniff timeout is far longer than a health check
    await closed; // dropped by the server: this test never closes it
    await expectHealthy(name);
  });
});

describe("slow and many connections (ingest)", () => {
  it("closes a connection that trickles its request head a byte at a time (slowloris)", async () => {
    const socket = await connect("ingest");
    const closed = once(socket.resume(), "close");
    const head = "POST /tenax.v1.IngestService/SendEvents HTTP/1.1\r\nHost: tenax\r\nX-Slow: ";
    await written(socket, head);
    // One byte every 300 ms for up to 15 s: the head never completes; the server must give up
    // after the sniff timeout (3 s here), long before node's own 60 s.
    const started = Date.now();
    let trickled = 0;
    const stopAt = started + 15_000;
    const ended = await Promise.race([
      closed.then(() => "closed" as const),
      (async () => {
        while (Date.now() < stopAt && !socket.destroyed) {
          await new Promise((r) => setTimeout(r, 300));
          if (!socket.destroyed) (socket.write("x"), trickled++);
        }
        return "still open" as const;
      })(),
    ]);
    expect(ended).toBe("closed");
    expect(trickled).toBeGreaterThan(3); // it was trickling, not silent
    socket.destroy();
    await expectHealthy("ingest");
  });

  it("answers while another process holds 10,000 connections open", async () => {
    const holder = startProcess("idle-connections", ["--import", "tsx", "test/workers/idle-connections.ts", String(portOf("ingest")), "10000"], {});
    const open = await holder.waitFor((l) => l.msg === "open", 120_000);
    expect(open.count).toBe(10000);
    await expectHealthy("ingest");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 1 } }] });
    expect((await stack.runForEvent(ids[0]!)).status).toBe(RunStatus.COMPLETED);
    await holder.kill("SIGTERM");
    await expectHealthy("ingest");
  }, 300_000); // 10,000 connections on a loaded 2-core machine: minutes at worst, not a speed test
});

describe("after all of that", () => {
  it("every service answers HealthService.Check and a run completes end to end", async () => {
    for (const name of services) await expectHealthy(name);
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "test/three", data: { n: 4 } }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(JSON.parse(new TextDecoder().decode(run.output))).toEqual({ a: { n: 5 }, b: 50, c: "50!" });
  });
});
