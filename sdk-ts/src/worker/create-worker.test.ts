import type { MessageInitShape } from "@bufbuild/protobuf";
import { ErrorCode, OpCode, type ExecuteRequestSchema, type WorkerMessage } from "@tenax/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Tenax } from "../client/tenax.js";
import type { LogFields, Logger } from "../logger/logger.js";
import { executeRequestInit, sha1 } from "../internal-testing/execute-handler.js";
import { startFakeServer, type FakeConnection, type FakeServer } from "../internal-testing/fake-executor.js";
import type { Worker } from "./types.js";

const quiet = () => ({ debug() {}, info() {}, warn() {}, error: vi.fn<(message: string, fields?: LogFields) => void>() });

let server: FakeServer | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.close({ timeoutMs: 1000 });
  await server?.close();
  worker = undefined;
  server = undefined;
  vi.useRealTimers();
});

function setup(logger: Logger = quiet()) {
  const tenax = new Tenax({ id: "shop", executorUrl: server!.url, ingestUrl: server!.url, signingKey: "sk-test", logger });
  const fn = tenax.createFunction({ id: "process-order" }, { event: "order/created" }, async ({ step, event }) => {
    const a = await step.run("a", () => `got ${event.data.orderId}`);
    return { a };
  });
  return { tenax, fn };
}

type ExecuteInit = MessageInitShape<typeof ExecuteRequestSchema>;

function execute(init: Record<string, unknown> = {}): ExecuteInit {
  return executeRequestInit({ functionId: "process-order", ...init });
}

/** A promise the test settles: a step that ends when the test says so. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * The worker handles the executor's messages one by one, in stream order. This sends one it
 * answers without running anything (a delta of a run it does not hold: memo_fetch) and waits for
 * the answer: every message sent before it has been handled.
 */
async function roundTrip(conn: FakeConnection, requestId = "round-trip") {
  conn.send({ case: "execute", value: execute({ requestId, runId: `${requestId}-run`, memoOffset: 1 }) });
  expect(await conn.take("memoFetch")).toMatchObject({ requestId });
}

/** The first message of a kind, awaited with vi.waitFor: for a test that fakes setTimeout, on which conn.take polls. */
async function arrived<C extends NonNullable<WorkerMessage["kind"]["case"]>>(conn: FakeConnection, kind: C) {
  const message = await vi.waitFor(
    () => {
      const found = conn.received.find((m) => m.kind.case === kind);
      if (!found) throw new Error(`no ${kind} message`);
      return found;
    },
    { timeout: 5000, interval: 5 },
  );
  return message.kind.value as Extract<WorkerMessage["kind"], { case: C }>["value"];
}

/**
 * Under fake setInterval: ticks the heartbeat clock until a heartbeat reports no request in
 * flight. Whatever the requests sent is in `conn.received` by then (one ordered stream).
 */
async function untilIdle(conn: FakeConnection, heartbeatMs: number) {
  for (let beat = 0; beat < 50; beat++) {
    vi.advanceTimersByTime(heartbeatMs);
    if ((await conn.take("heartbeat")).inFlight === 0) return;
  }
  throw new Error("requests still in flight after 50 heartbeats");
}

describe("worker", () => {
  it("says hello with its functions and resolves once registered", async () => {
    server = await startFakeServer();
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn], maxConcurrency: 7 });
    await expect(worker.ready).resolves.toBeUndefined();
    const conn = await server.nextConnection();
    const hello = await conn.take("hello");
    expect(hello).toMatchObject({ appId: "shop", appVersion: "1", sdkName: "tenax-ts", maxConcurrency: 7, instanceId: worker.instanceId });
    expect(hello.functions.map((f) => f.id)).toEqual(["process-order"]);
    expect(conn.headers.get("authorization")).toBe("Bearer sk-test");
  });

  it("registers the onFailure function of a function along with it", async () => {
    server = await startFakeServer();
    const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: quiet() });
    const fn = tenax.createFunction(
      { id: "process-order", retries: 1, onFailure: ({ event, error, failedRunId }) => ({ orderId: event.data.orderId, message: error.message, failedRunId }) },
      { event: "order/created" },
      () => {
        throw new Error("broke");
      },
    );
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    const hello = await conn.take("hello");
    expect(hello.functions.map((f) => [f.id, f.hasOnFailure, f.retries])).toEqual([
      ["process-order", true, 1],
      ["process-order-failure", false, 1],
    ]);

    const data = {
      function_id: "process-order",
      app_id: "shop",
      run_id: "run-failed",
      event: { id: "e1", name: "order/created", data: { orderId: "o1" }, user: {}, ts: 5, v: "" },
      error: { code: "ERROR_CODE_USER", name: "Error", message: "broke" },
    };
    conn.send({
      case: "execute",
      value: execute({ functionId: "process-order-failure", runId: "run-2", event: { event: { id: "sys", name: "tenax/function.failed", data, ts: 6n } } }),
    });
    const result = await conn.take("result");
    expect(result.ops[0]).toMatchObject({ code: OpCode.RUN_COMPLETE });
    expect(JSON.parse(new TextDecoder().decode(result.ops[0].data))).toEqual({ orderId: "o1", message: "broke", failedRunId: "run-failed" });
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true } });
  });

  it("acks a request, runs it and sends the result", async () => {
    server = await startFakeServer();
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    conn.send({ case: "execute", value: execute() });
    expect(await conn.take("ack")).toMatchObject({ requestId: "req-1" });
    const result = await conn.take("result");
    expect(result).toMatchObject({ requestId: "req-1", leaseId: "lease-1", runId: "run-1" });
    expect(result.ops[0]).toMatchObject({ code: OpCode.STEP_RAN, stepId: sha1("a"), userId: "a", stepType: "step.run" });
    expect(new TextDecoder().decode(result.ops[0].data)).toBe('"got o1"');

    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true } });
    conn.send({
      case: "execute",
      value: execute({ requestId: "req-2", memo: [{ stepId: sha1("a"), result: { case: "data", value: result.ops[0].data } }] }),
    });
    const second = await conn.take("result");
    expect(second.ops[0]).toMatchObject({ code: OpCode.RUN_COMPLETE });
    expect(JSON.parse(new TextDecoder().decode(second.ops[0].data))).toEqual({ a: "got o1" });
    conn.send({ case: "resultAck", value: { requestId: "req-2", accepted: true } });
  });

  it("logs rejected functions and serves the others", async () => {
    server = await startFakeServer({
      register: (hello) => ({
        connectionId: "c",
        heartbeatIntervalMs: 1000n,
        functions: hello.functions.map((f, i) => ({
          functionId: f.id,
          ok: i === 0,
          error: i === 0 ? undefined : { code: ErrorCode.INVALID_CONFIG, message: `function "${f.id}": bad cron` },
        })),
      }),
    });
    const logger = quiet();
    const { tenax, fn } = setup(logger);
    const other = tenax.createFunction({ id: "nightly" }, { cron: "nope" }, () => null);
    worker = await tenax.connect({ functions: [fn, other] });
    // The executor's reason is passed on; which function and why are fields.
    expect(logger.error).toHaveBeenCalledExactlyOnceWith(expect.stringContaining('function "nightly": bad cron'), {
      functionId: "nightly",
      code: "invalid_config",
    });
    const conn = await server.nextConnection();
    conn.send({ case: "execute", value: execute() });
    expect((await conn.take("result")).ops[0]).toMatchObject({ code: OpCode.STEP_RAN, userId: "a" });
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true } });
  });

  it("rejects connect() when every function is rejected", async () => {
    server = await startFakeServer({
      register: (hello) => ({
        functions: hello.functions.map((f) => ({ functionId: f.id, ok: false, error: { code: ErrorCode.INVALID_CONFIG, message: "bad" } })),
      }),
    });
    const { tenax, fn } = setup();
    await expect(tenax.connect({ functions: [fn] })).rejects.toMatchObject({ code: "registration_failed" });
  });

  it("reconnects after the executor closes the stream, keeping its instance id", async () => {
    server = await startFakeServer();
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn], reconnectBackoffMs: { initial: 10, max: 20 } });
    const first = await server.nextConnection();
    const hello1 = await first.take("hello");
    first.send({ case: "close", value: { reason: "shutting down" } });
    const second = await server.nextConnection();
    const hello2 = await second.take("hello");
    expect(hello2.instanceId).toBe(hello1.instanceId);
    second.send({ case: "execute", value: execute({ requestId: "req-9" }) });
    expect((await second.take("result")).requestId).toBe("req-9");
    second.send({ case: "resultAck", value: { requestId: "req-9", accepted: true } });
  });

  it("extends leases of long requests and drops the result when the lease is lost", async () => {
    // The lease-extension and heartbeat clocks (setInterval) tick when the test says so.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    server = await startFakeServer({
      register: (hello) => ({
        functions: hello.functions.map((f) => ({ functionId: f.id, ok: true })),
        heartbeatIntervalMs: 1000n,
        leaseMs: 300n,
        extendLeaseIntervalMs: 50n,
      }),
    });
    const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: quiet() });
    const done = gate<string>();
    const slow = tenax.createFunction({ id: "slow" }, { event: "x" }, async ({ step }) => step.run("wait", () => done.promise));
    worker = await tenax.connect({ functions: [slow] });
    const conn = await server.nextConnection();
    conn.send({ case: "execute", value: execute({ functionId: "slow" }) });
    await conn.take("ack");
    vi.advanceTimersByTime(50);
    expect(await conn.take("extendLease")).toMatchObject({ requestId: "req-1", leaseId: "lease-1" });
    conn.send({ case: "leaseExtended", value: { requestId: "req-1", ok: false } });
    await roundTrip(conn);
    // Lost: no further extension, and the step's result, once there, is not sent.
    vi.advanceTimersByTime(50);
    done.open("done");
    await untilIdle(conn, 1000);
    expect(conn.received.filter((m) => m.kind.case === "extendLease")).toHaveLength(1);
    expect(conn.received.some((m) => m.kind.case === "result")).toBe(false);
  });

  it("sends executor ops over the wire and logs the engine's determinism warnings", async () => {
    server = await startFakeServer();
    const warn = vi.fn<(message: string, fields?: LogFields) => void>();
    const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: { ...quiet(), warn } });
    const other = new Tenax({ id: "billing", logger: quiet() });
    const charge = other.createFunction({ id: "charge" }, { event: "billing/charge" }, () => "ch_1");
    const due = new Date(Date.now() + 86_400_000);
    const fn = tenax.createFunction({ id: "ops" }, { event: "x" }, async ({ step }) =>
      Promise.all([
        step.sleepUntil("due", due),
        step.waitForEvent("paid", { event: "order/paid", match: "data.orderId", timeout: "1h" }),
        step.invoke("charge", { function: charge, data: { amount: 3 } }),
        step.sendEvent("notify", { name: "user/welcome", data: { email: "a@b.c" }, ts: 7 }),
        step.run("plain", () => 1),
      ]),
    );
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    conn.send({
      case: "execute",
      value: execute({ functionId: "ops", memo: [{ stepId: sha1("removed"), result: { case: "data", value: new TextEncoder().encode("1") } }] }),
    });
    const result = await conn.take("result");
    expect(result.ops.map((op) => [op.code, op.userId, op.opts.case])).toEqual([
      [OpCode.SLEEP, "due", "sleep"],
      [OpCode.WAIT_FOR_EVENT, "paid", "waitForEvent"],
      [OpCode.INVOKE_FUNCTION, "charge", "invoke"],
      [OpCode.SEND_EVENT, "notify", "sendEvent"],
      [OpCode.STEP_PLANNED, "plain", undefined],
    ]);
    expect(result.ops[0].opts.value).toMatchObject({ untilMs: BigInt(due.getTime()) });
    expect(result.ops[1].opts.value).toMatchObject({ event: "order/paid", match: "data.orderId", expression: "" });
    expect(result.ops[2].opts.value).toMatchObject({ functionId: "charge", appId: "billing" });
    expect(result.ops[3].opts.value).toMatchObject({ events: [{ name: "user/welcome", data: { email: "a@b.c" }, ts: 7n }] });
    expect(warn).toHaveBeenCalledExactlyOnceWith(
      expect.any(String),
      expect.objectContaining({ runId: "run-1", functionId: "ops", ignoredStepIds: [sha1("removed")] }),
    );
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true } });
  });

  it("asks for the memo when it cannot apply a delta", async () => {
    server = await startFakeServer();
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    conn.send({ case: "execute", value: execute({ requestId: "req-d", runId: "run-unknown", memoOffset: 3 }) });
    expect(await conn.take("memoFetch")).toMatchObject({ requestId: "req-d" });
  });

  it("sends heartbeats with the in-flight count", async () => {
    server = await startFakeServer({
      register: (hello) => ({ functions: hello.functions.map((f) => ({ functionId: f.id, ok: true })), heartbeatIntervalMs: 50n }),
    });
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    expect(await conn.take("heartbeat")).toMatchObject({ inFlight: 0 });
  });

  it("reconnects when the executor stays silent for 3 heartbeat intervals", async () => {
    server = await startFakeServer({
      register: (hello) => ({ functions: hello.functions.map((f) => ({ functionId: f.id, ok: true })), heartbeatIntervalMs: 40n }),
    });
    const { tenax, fn } = setup();
    worker = await tenax.connect({ functions: [fn], reconnectBackoffMs: { initial: 10, max: 20 } });
    await server.nextConnection();
    const second = await server.nextConnection(2000);
    await second.take("hello");
  });

  it("drains on close: goodbye, waits for the in-flight result and its ack, ends the stream", async () => {
    server = await startFakeServer();
    const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: quiet() });
    const done = gate<string>();
    const slow = tenax.createFunction({ id: "slow" }, { event: "x" }, async ({ step }) => step.run("wait", () => done.promise));
    const w = await tenax.connect({ functions: [slow] });
    const conn = await server.nextConnection();
    conn.send({ case: "execute", value: execute({ functionId: "slow" }) });
    await conn.take("ack");
    // close() waits for in-flight work by polling on setTimeout: from here that clock ticks when
    // the test says so. conn.take polls on it too, so messages are awaited with `arrived`.
    vi.useFakeTimers({ toFake: ["setTimeout"] });
    const closing = w.close({ timeoutMs: 5000 });
    let closed = false;
    void closing.then(() => (closed = true));
    await arrived(conn, "goodbye");
    done.open("done");
    const result = await arrived(conn, "result");
    expect(result.ops[0]).toMatchObject({ code: OpCode.STEP_RAN });
    // close() looks again at what is in flight; the result still waits for its ack, so the
    // stream stays open (the worker answers a message sent after) and close() has not returned.
    await vi.advanceTimersByTimeAsync(100);
    conn.send({ case: "execute", value: execute({ requestId: "round-trip", runId: "round-trip-run", memoOffset: 1 }) });
    expect(await arrived(conn, "memoFetch")).toMatchObject({ requestId: "round-trip" });
    expect(closed).toBe(false);
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true } });
    await vi.waitFor(() => expect(closed).toBe(true), { timeout: 5000 });
    await conn.requestsDone;
    await closing;
  });
});

describe("tenax.send", () => {
  it("sends events with the event key and returns their ids", async () => {
    server = await startFakeServer();
    const tenax = new Tenax({ id: "shop", ingestUrl: server.url, eventKey: "ek", logger: quiet() });
    const at = new Date("2024-05-06T07:08:09.000Z");
    const { ids } = await tenax.send([
      { name: "order/created", data: { at, n: 1 } },
      { name: "b", id: "fixed", ts: 42 },
    ]);
    const [{ request, headers }] = server.sends;
    // Every event gets an id from the SDK unless it has one (so that a lost answer can be resent).
    expect(ids).toEqual([request.events[0]!.id, "fixed"]);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get("authorization")).toBe("Bearer ek");
    expect(request.events[0]).toMatchObject({ name: "order/created", data: { at: "2024-05-06T07:08:09.000Z", n: 1 } });
    expect(request.events[1]).toMatchObject({ id: "fixed", ts: 42n, data: {} });
  });

  it("wraps transport failures in a TenaxError", async () => {
    const tenax = new Tenax({ id: "shop", ingestUrl: "http://127.0.0.1:1", logger: quiet() });
    await expect(tenax.send({ name: "x" })).rejects.toMatchObject({ code: "send_failed" });
  });
});
