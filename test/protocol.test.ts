import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, OpCode, RunStatus, type ExecuteRequest } from "@tenax/proto";
import { createRawWorker } from "./setup/raw-worker.js";
import { shortLease, startStack, type Stack } from "./setup/stack.js";

// The executor's side of the worker protocol, driven by hand-written workers (lease 3 s in tests).
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("protocol", shortLease);
});
afterAll(() => stack?.stop());

const fn = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  triggers: [{ kind: { case: "event" as const, value: { event: `proto/${id}`, expression: "" } } }],
  ...extra,
});
const hello = (functions: ReturnType<typeof fn>[]) => ({
  kind: {
    case: "hello" as const,
    value: { appId: "raw", appVersion: "1", sdkName: "raw", sdkVersion: "0", instanceId: crypto.randomUUID(), maxConcurrency: 5, functions },
  },
});
const isExecute = (m: { kind: { case?: string } }) => m.kind.case === "execute";

describe("worker protocol", () => {
  it("registers each function on its own: an invalid one is rejected by name, the others register", async () => {
    const w = createRawWorker(stack.executorUrl);
    await w.send(
      hello([
        fn("good"),
        fn("bad", { retries: 99 }),
        fn("bad-if", { triggers: [{ kind: { case: "event", value: { event: "x", expression: "event.data.(" } } }] }),
      ]),
    );
    const reg = await w.next((m) => m.kind.case === "registered");
    if (reg.kind.case !== "registered") throw new Error("unreachable");
    const byId = new Map(reg.kind.value.functions.map((f) => [f.functionId, f]));
    expect(byId.get("good")!.ok).toBe(true);
    expect(byId.get("bad")!.ok).toBe(false);
    expect(byId.get("bad")!.error!.message).toMatch(/function "bad": retries: 99 is outside 0\.\.20/);
    expect(byId.get("bad-if")!.error!.message).toMatch(/function "bad-if": triggers\[0\]\.if: \[invalid_expression\] "event\.data\.\("/);
    await w.close();
  });

  it("redelivers a request whose lease expired to another worker, and fences off the late result", async () => {
    const slow = createRawWorker(stack.executorUrl);
    await slow.send(hello([fn("leased")]));
    await slow.next((m) => m.kind.case === "registered");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "proto/leased", data: {} }] });
    const first = (await slow.next(isExecute)).kind.value as ExecuteRequest;
    await slow.send({ kind: { case: "ack", value: { requestId: first.requestId } } });
    // Draining: it gets no new work, so the redelivery must go to the other worker.
    await slow.send({ kind: { case: "goodbye", value: { reason: "test" } } });
    // The slow worker neither answers nor extends (but stays connected and heartbeating).
    const rescuer = createRawWorker(stack.executorUrl);
    await rescuer.send(hello([fn("leased")]));
    const second = (await rescuer.next(isExecute)).kind.value as ExecuteRequest;
    expect(second.runId).toBe(first.runId);
    expect(second.leaseId).not.toBe(first.leaseId);

    const complete = (req: ExecuteRequest, output: string) => ({
      kind: {
        case: "result" as const,
        value: {
          requestId: req.requestId,
          leaseId: req.leaseId,
          runId: req.runId,
          ops: [{ code: OpCode.RUN_COMPLETE, data: new TextEncoder().encode(output) }],
        },
      },
    });
    // A checkpoint under the expired lease is fenced off like a result.
    await slow.send({
      kind: {
        case: "checkpoint",
        value: {
          requestId: first.requestId,
          leaseId: first.leaseId,
          runId: first.runId,
          sequence: 1,
          ops: [{ code: OpCode.STEP_RAN, stepId: "x", userId: "x", data: new TextEncoder().encode("1") }],
        },
      },
    });
    const cpAck = await slow.next((m) => m.kind.case === "resultAck" && m.kind.value.checkpointSequence === 1);
    expect(cpAck.kind.value).toMatchObject({ accepted: false, code: ErrorCode.LEASE_EXPIRED });
    await slow.send(complete(first, '"late"'));
    const lateAck = await slow.next((m) => m.kind.case === "resultAck" && m.kind.value.checkpointSequence === 0);
    expect(lateAck.kind.value).toMatchObject({ accepted: false, code: ErrorCode.LEASE_EXPIRED });
    await rescuer.send(complete(second, '"rescued"'));
    const ack = await rescuer.next((m) => m.kind.case === "resultAck");
    expect(ack.kind.value).toMatchObject({ accepted: true });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(new TextDecoder().decode(run.output)).toBe('"rescued"');
    await Promise.all([slow.close(), rescuer.close()]);
  });

  it("hands a disconnected worker's request to another worker at once", async () => {
    const quitter = createRawWorker(stack.executorUrl);
    await quitter.send(hello([fn("handoff")]));
    await quitter.next((m) => m.kind.case === "registered");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "proto/handoff", data: {} }] });
    const first = (await quitter.next(isExecute)).kind.value as ExecuteRequest;
    const other = createRawWorker(stack.executorUrl);
    await other.send(hello([fn("handoff")]));
    await other.next((m) => m.kind.case === "registered");
    await quitter.close();
    // Well inside the 3 s lease: the hand-back is immediate, not an expiry.
    const second = (await other.next(isExecute, 2_000)).kind.value as ExecuteRequest;
    expect(second.runId).toBe(first.runId);
    await other.send({
      kind: {
        case: "result",
        value: {
          requestId: second.requestId,
          leaseId: second.leaseId,
          runId: second.runId,
          ops: [{ code: OpCode.RUN_COMPLETE, data: new TextEncoder().encode("1") }],
        },
      },
    });
    expect((await stack.runForEvent(ids[0]!)).status).toBe(RunStatus.COMPLETED);
    await other.close();
  });

  it("sends a continuation as a memo delta without the events; memo_fetch gets it back whole", async () => {
    const w = createRawWorker(stack.executorUrl);
    await w.send(hello([fn("delta")]));
    await w.next((m) => m.kind.case === "registered");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "proto/delta", data: { k: 1 } }] });
    const enc = (s: string) => new TextEncoder().encode(s);
    const stepRan = (req: ExecuteRequest, id: string, data: string) => ({
      kind: {
        case: "result" as const,
        value: { requestId: req.requestId, leaseId: req.leaseId, runId: req.runId, ops: [{ code: OpCode.STEP_RAN, stepId: id, userId: id, data: enc(data) }] },
      },
    });
    const nextRequest = async (after: Set<string>) =>
      (await w.next((m) => isExecute(m) && !after.has((m.kind.value as ExecuteRequest).requestId))).kind.value as ExecuteRequest;
    const seen = new Set<string>();
    const r1 = await nextRequest(seen);
    seen.add(r1.requestId);
    expect(r1).toMatchObject({ memoOffset: 0, memo: [] });
    expect(r1.event?.event?.data).toEqual({ k: 1 });
    await w.send(stepRan(r1, "a", "1"));
    const r2 = await nextRequest(seen);
    seen.add(r2.requestId);
    await w.send(stepRan(r2, "b", "2"));
    const r3 = await nextRequest(seen);
    expect(r3.memoOffset).toBe(1);
    expect(r3.memo.map((m) => m.stepId)).toEqual(["b"]);
    expect(r3.event).toBeUndefined();
    expect(r3.events).toEqual([]);
    const received = w.received.length;
    await w.send({ kind: { case: "memoFetch", value: { requestId: r3.requestId } } });
    const full = (await w.next((m) => w.received.indexOf(m) >= received && isExecute(m))).kind.value as ExecuteRequest;
    expect(full).toMatchObject({ requestId: r3.requestId, memoOffset: 0 });
    expect(full.memo.map((m) => m.stepId)).toEqual(["a", "b"]);
    expect(full.event?.event?.data).toEqual({ k: 1 });
    await w.send({
      kind: {
        case: "result",
        value: { requestId: full.requestId, leaseId: full.leaseId, runId: full.runId, ops: [{ code: OpCode.RUN_COMPLETE, data: enc("3") }] },
      },
    });
    expect((await stack.runForEvent(ids[0]!)).status).toBe(RunStatus.COMPLETED);
    await w.close();
  });

  it("output that is not strict JSON (NaN, a trailing comma) fails the step or the run once; nothing of it is stored", async () => {
    const w = createRawWorker(stack.executorUrl);
    await w.send(hello([fn("nan")]));
    await w.next((m) => m.kind.case === "registered");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "proto/nan", data: {} }] });
    const enc = (s: string) => new TextEncoder().encode(s);
    const r1 = (await w.next(isExecute)).kind.value as ExecuteRequest;
    await w.send({
      kind: {
        case: "result",
        value: {
          requestId: r1.requestId,
          leaseId: r1.leaseId,
          runId: r1.runId,
          ops: [{ code: OpCode.STEP_RAN, stepId: "py", userId: "py", data: enc('{"x": NaN}') }],
        },
      },
    });
    // The step failed for good: the next request carries it as an error, with its reason.
    const r2 = (await w.next((m) => isExecute(m) && (m.kind.value as ExecuteRequest).requestId !== r1.requestId)).kind.value as ExecuteRequest;
    const entry = [...r2.memo].find((m) => m.stepId === "py")!;
    expect(entry.result.case).toBe("error");
    expect(entry.result.case === "error" && entry.result.value.message).toMatch(/^\[invalid_output\] step "py" output is not strict JSON \(RFC 8259\)/);
    await w.send({
      kind: {
        case: "result",
        value: { requestId: r2.requestId, leaseId: r2.leaseId, runId: r2.runId, ops: [{ code: OpCode.RUN_COMPLETE, data: enc("[1,]") }] },
      },
    });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.FAILED);
    expect(run.error!.code).toBe(ErrorCode.PROTOCOL);
    expect(run.error!.message).toMatch(/^\[invalid_output\] function output is not strict JSON/);
    const { steps } = await stack.runs.getRun({ runId: run.id });
    expect(steps.map((s) => ({ id: s.userId, output: s.output.length }))).toEqual([{ id: "py", output: 0 }]);
    await w.close();
  });

  it("an async op without its options (a SLEEP with no time) fails the run instead of parking it forever", async () => {
    // Found by fuzzing (test/fuzz/protocol.fuzz.test.ts): nothing would ever have resumed it.
    const w = createRawWorker(stack.executorUrl);
    await w.send(hello([fn("bare-sleep")]));
    await w.next((m) => m.kind.case === "registered");
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "proto/bare-sleep", data: {} }] });
    const r = (await w.next(isExecute)).kind.value as ExecuteRequest;
    await w.send({
      kind: {
        case: "result",
        value: { requestId: r.requestId, leaseId: r.leaseId, runId: r.runId, ops: [{ code: OpCode.SLEEP, stepId: "nap", userId: "nap" }] },
      },
    });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.FAILED);
    expect(run.error!.message).toBe("[protocol_error] op SLEEP has no sleep options");
    await w.close();
  });

  it("rejects more than 10 triggers at registration", async () => {
    const w = createRawWorker(stack.executorUrl);
    const triggers = Array.from({ length: 11 }, (_, i) => ({ kind: { case: "event" as const, value: { event: `proto/t${i}`, expression: "" } } }));
    await w.send(hello([fn("eleven", { triggers })]));
    const reg = await w.next((m) => m.kind.case === "registered");
    if (reg.kind.case !== "registered") throw new Error("unreachable");
    expect(reg.kind.value.functions[0]!.error!.message).toMatch(/function "eleven": triggers: 11 triggers exceed the limit of 10/);
    await w.close();
  });

  it("versions configs by app version: a changed config makes a new version; an older app cannot flip it back", async () => {
    const register = async (appVersion: string, retries: number) => {
      const w = createRawWorker(stack.executorUrl);
      const h = hello([fn("versioned", { retries })]);
      h.kind.value.appVersion = appVersion;
      await w.send(h);
      const reg = await w.next((m) => m.kind.case === "registered");
      await w.close();
      if (reg.kind.case !== "registered") throw new Error("unreachable");
      return reg.kind.value.functions[0]!.version;
    };
    const v1 = await register("1.9", 1);
    expect(await register("1.9", 1)).toBe(v1); // unchanged config: same version
    const v2 = await register("1.10", 2);
    expect(v2).toBe(v1 + 1);
    expect(await register("1.9", 1)).toBe(v2); // the older app does not replace it
    expect(await register("1.11", 3)).toBe(v2 + 1);
  });
});
