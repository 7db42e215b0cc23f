import { ErrorCode, OpCode } from "@tenax/proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Tenax } from "../client/tenax.js";
import type { Handler } from "../function/types.js";
import { executeRequestInit, sha1, silent, text } from "../internal-testing/execute-handler.js";
import { startFakeServer, type FakeConnection, type FakeServer } from "../internal-testing/fake-executor.js";
import type { Worker } from "./types.js";

/** A promise the test settles: a step that ends when the test says so. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

let server: FakeServer | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.close({ timeoutMs: 1000 });
  await server?.close();
  worker = undefined;
  server = undefined;
  vi.useRealTimers();
});

/** A worker serving one function "fn" (its own config is irrelevant: requests carry the settings). */
async function connect(handler: Handler): Promise<FakeConnection> {
  server = await startFakeServer();
  const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: silent, checkpointing: true });
  const fn = tenax.createFunction({ id: "fn" }, { event: "order/created" }, handler);
  worker = await tenax.connect({ functions: [fn] });
  return server.nextConnection();
}

function execute(settings: { bufferedSteps?: number; maxIntervalMs?: bigint; maxRuntimeMs?: bigint } | undefined, init: Record<string, unknown> = {}) {
  return executeRequestInit({
    checkpointing: settings && { enabled: true, bufferedSteps: 10, maxIntervalMs: 0n, maxRuntimeMs: 60_000n, ...settings },
    ...init,
  });
}

/** Checkpoints and results the worker sent, in stream order. */
function wire(conn: FakeConnection): string[] {
  return conn.received.flatMap((m) => {
    if (m.kind.case === "checkpoint") {
      const c = m.kind.value;
      return [`checkpoint ${c.sequence} ${c.requestId}/${c.leaseId}/${c.runId}: ${c.ops.map((op) => `${OpCode[op.code]} ${op.userId}`).join(", ")}`];
    }
    if (m.kind.case === "result")
      return [`result ${m.kind.value.requestId}: ${m.kind.value.ops.map((op) => [OpCode[op.code], op.userId].filter(Boolean).join(" ")).join(", ")}`];
    return [];
  });
}

/**
 * The worker handles the executor's messages one by one, in stream order. This sends one it
 * answers without running anything (a delta of a run it does not hold: memo_fetch) and waits for
 * the answer: every message sent before it has been handled.
 */
async function roundTrip(conn: FakeConnection, requestId = "round-trip") {
  conn.send({ case: "execute", value: execute(undefined, { requestId, runId: `${requestId}-run`, memoOffset: 1 }) });
  expect(await conn.take("memoFetch")).toMatchObject({ requestId });
}

/**
 * Under fake setInterval: ticks the heartbeat clock (1 s, the fake executor's) until a heartbeat
 * reports no request in flight. Whatever the requests sent is in `conn.received` by then (one
 * ordered stream).
 */
async function untilIdle(conn: FakeConnection) {
  for (let beat = 0; beat < 50; beat++) {
    vi.advanceTimersByTime(1000);
    if ((await conn.take("heartbeat")).inFlight === 0) return;
  }
  throw new Error("requests still in flight after 50 heartbeats");
}

const ackAll = (conn: FakeConnection, requestId = "req-1") => {
  for (const m of conn.received) {
    if (m.kind.case === "checkpoint" && m.kind.value.requestId === requestId) {
      conn.send({ case: "resultAck", value: { requestId, accepted: true, checkpointSequence: m.kind.value.sequence } });
    }
  }
  conn.send({ case: "resultAck", value: { requestId, accepted: true } });
};

const steps =
  (ids: string[], body: (id: string) => unknown = (id) => id): Handler =>
  async ({ step }) => {
    const out: unknown[] = [];
    for (const id of ids) out.push(await step.run(id, () => body(id)));
    return out;
  };

describe("checkpointing worker", () => {
  it("runs the steps in one request, checkpointing them in batches of bufferedSteps before the result", async () => {
    const conn = await connect(steps(["a", "b", "c", "d", "e"]));
    conn.send({ case: "execute", value: execute({ bufferedSteps: 2 }) });
    const result = await conn.take("result");
    expect(wire(conn)).toEqual([
      "checkpoint 1 req-1/lease-1/run-1: STEP_RAN a, STEP_RAN b",
      "checkpoint 2 req-1/lease-1/run-1: STEP_RAN c, STEP_RAN d",
      "checkpoint 3 req-1/lease-1/run-1: STEP_RAN e",
      "result req-1: RUN_COMPLETE",
    ]);
    expect(JSON.parse(text(result.ops[0].data))).toEqual(["a", "b", "c", "d", "e"]);
    const [first] = conn.received.flatMap((m) => (m.kind.case === "checkpoint" ? [m.kind.value] : []));
    expect(first.ops[0]).toMatchObject({ stepId: sha1("a"), name: "a", stepType: "step.run" });
    expect(text(first.ops[0].data)).toBe('"a"');
    ackAll(conn);
  });

  it("sends buffered steps after maxInterval without waiting for the batch or the ack", async () => {
    const b = gate();
    const conn = await connect(steps(["a", "b"], (id) => (id === "b" ? b.promise.then(() => id) : id)));
    conn.send({ case: "execute", value: execute({ bufferedSteps: 10, maxIntervalMs: 30n }) });
    const checkpoint = await conn.take("checkpoint");
    expect(checkpoint.sequence).toBe(1);
    expect(checkpoint.ops.map((op) => op.userId)).toEqual(["a"]);
    // "b" is still running: no result yet.
    expect(conn.received.some((m) => m.kind.case === "result")).toBe(false);
    b.open();
    await conn.take("result");
    expect(wire(conn).slice(1)).toEqual(["checkpoint 2 req-1/lease-1/run-1: STEP_RAN b", "result req-1: RUN_COMPLETE"]);
    ackAll(conn);
  });

  it("yields after maxRuntime: flushes, then a YIELD result; the next request continues from the checkpointed memo", async () => {
    // The clock of the max-runtime check (Date) moves only in the steps: each takes 100 ms.
    vi.useFakeTimers({ toFake: ["Date"] });
    const ran: string[] = [];
    const conn = await connect(steps(["a", "b", "c", "d", "e"], (id) => (ran.push(id), vi.advanceTimersByTime(100), id)));
    conn.send({ case: "execute", value: execute({ maxRuntimeMs: 250n }) });
    await conn.take("result");
    // Elapsed before b 100 ms, before c 200 ms, before d 300 ms ≥ 250 ms: it yields before d.
    const done = [...ran];
    expect(done).toEqual(["a", "b", "c"]);
    const stepList = done.map((id) => `STEP_RAN ${id}`).join(", ");
    expect(wire(conn)).toEqual([`checkpoint 1 req-1/lease-1/run-1: ${stepList}`, "result req-1: YIELD"]);
    ackAll(conn);

    const [checkpoint] = conn.received.flatMap((m) => (m.kind.case === "checkpoint" ? [m.kind.value] : []));
    const memo = checkpoint.ops.map((op) => ({ stepId: op.stepId, result: { case: "data" as const, value: op.data } }));
    conn.send({ case: "execute", value: execute({ maxRuntimeMs: 60_000n }, { requestId: "req-2", memo }) });
    const result = await conn.take("result");
    const rest = ["a", "b", "c", "d", "e"]
      .slice(done.length)
      .map((id) => `STEP_RAN ${id}`)
      .join(", ");
    expect(wire(conn).slice(2)).toEqual([`checkpoint 1 req-2/lease-1/run-1: ${rest}`, "result req-2: RUN_COMPLETE"]);
    expect(JSON.parse(text(result.ops[0].data))).toEqual(["a", "b", "c", "d", "e"]);
    expect(ran).toEqual(["a", "b", "c", "d", "e"]);
    ackAll(conn, "req-2");
  });

  it("flushes before a sleep, a step error and the run's completion", async () => {
    const conn = await connect(async ({ step, event }) => {
      await step.run("a", () => 1);
      await step.run("b", () => 2);
      if (event.data.mode === "sleep") await step.sleep("nap", "1h");
      if (event.data.mode === "error")
        await step.run("c", () => {
          throw new Error("boom");
        });
      return "done";
    });
    const run = async (requestId: string, mode: string) => {
      conn.send({
        case: "execute",
        value: execute({}, { requestId, runId: requestId, event: { event: { id: requestId, name: "order/created", data: { mode }, ts: 5n } } }),
      });
      const result = await conn.take("result");
      ackAll(conn, requestId);
      return result;
    };
    await run("r-sleep", "sleep");
    await run("r-error", "error");
    await run("r-done", "done");
    expect(wire(conn)).toEqual([
      "checkpoint 1 r-sleep/lease-1/r-sleep: STEP_RAN a, STEP_RAN b",
      "result r-sleep: SLEEP nap",
      "checkpoint 1 r-error/lease-1/r-error: STEP_RAN a, STEP_RAN b",
      "result r-error: STEP_ERROR c",
      "checkpoint 1 r-done/lease-1/r-done: STEP_RAN a, STEP_RAN b",
      "result r-done: RUN_COMPLETE",
    ]);
  });

  it("abandons the request when a checkpoint's lease expired: no further checkpoint, step or result", async () => {
    // The heartbeat clock (setInterval) ticks when the test says so: heartbeats tell when the request ended.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const ran: string[] = [];
    const bStarted = gate();
    const b = gate();
    const conn = await connect(
      steps(["a", "b", "c", "d"], (id) => {
        ran.push(id);
        if (id !== "b") return id;
        bStarted.open();
        return b.promise.then(() => id);
      }),
    );
    conn.send({ case: "execute", value: execute({ bufferedSteps: 1 }) });
    const checkpoint = await conn.take("checkpoint");
    expect(checkpoint.sequence).toBe(1);
    await bStarted.promise;
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: false, code: ErrorCode.LEASE_EXPIRED, checkpointSequence: 1 } });
    await roundTrip(conn);
    b.open();
    await untilIdle(conn);
    expect(wire(conn)).toEqual(["checkpoint 1 req-1/lease-1/run-1: STEP_RAN a"]);
    // "b" was running when the ack came; nothing after it starts.
    expect(ran).toEqual(["a", "b"]);
  });

  it("resends a checkpoint the executor failed to persist, with the same sequence", async () => {
    const b = gate();
    const conn = await connect(steps(["a", "b"], (id) => (id === "b" ? b.promise.then(() => id) : id)));
    conn.send({ case: "execute", value: execute({ bufferedSteps: 1 }) });
    const first = await conn.take("checkpoint");
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: false, code: ErrorCode.INTERNAL, checkpointSequence: 1 } });
    const again = await conn.take("checkpoint");
    expect(again.sequence).toBe(1);
    expect(again.ops.map((op) => op.userId)).toEqual(first.ops.map((op) => op.userId));
    conn.send({ case: "resultAck", value: { requestId: "req-1", accepted: true, checkpointSequence: 1 } });
    b.open();
    await conn.take("result");
    expect(wire(conn).slice(2)).toEqual(["checkpoint 2 req-1/lease-1/run-1: STEP_RAN b", "result req-1: RUN_COMPLETE"]);
    ackAll(conn);
  });

  it("remembers the memo including the checkpointed steps, so a later delta applies", async () => {
    const conn = await connect(async ({ step }) => {
      const a = await step.run("a", () => 1);
      const b = await step.run("b", () => 2);
      await step.sleep("nap", "1h");
      return a + b;
    });
    conn.send({ case: "execute", value: execute({}) });
    await conn.take("result");
    ackAll(conn);
    // The executor sends only what the worker lacks: the sleep's entry, after a and b.
    const nap = { stepId: sha1("nap"), result: { case: "data" as const, value: new TextEncoder().encode("null") } };
    conn.send({ case: "execute", value: execute({}, { requestId: "req-2", memoOffset: 2, memo: [nap] }) });
    const result = await conn.take("result");
    expect(conn.received.some((m) => m.kind.case === "memoFetch")).toBe(false);
    expect(result.ops[0].code).toBe(OpCode.RUN_COMPLETE);
    expect(text(result.ops[0].data)).toBe("3");
    ackAll(conn, "req-2");
  });

  it("does not checkpoint without the request's settings, or on a targeted request", async () => {
    const conn = await connect(steps(["a", "b"]));
    conn.send({ case: "execute", value: execute(undefined) });
    await conn.take("result");
    ackAll(conn);
    const a = { stepId: sha1("a"), result: { case: "data" as const, value: new TextEncoder().encode('"a"') } };
    conn.send({ case: "execute", value: execute({}, { requestId: "req-2", targetStepId: sha1("b"), memo: [a] }) });
    await conn.take("result");
    ackAll(conn, "req-2");
    expect(wire(conn)).toEqual(["result req-1: STEP_RAN a", "result req-2: STEP_RAN b"]);
  });
});
