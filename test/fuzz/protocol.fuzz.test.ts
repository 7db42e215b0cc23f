// Fuzzing the worker protocol: a raw worker sends the executor hostile message sequences around a
// real request (unknown request ids, wrong lease ids, any op code with any bytes, acks and lease
// extensions for nothing, checkpoints of the wrong kind, a second hello, memo fetches for nothing,
// oversized outputs). The executor must answer what it refuses, stay up, keep the real request's
// lease honest, and the run must still end.
import { ErrorCode, HealthService, OpCode, RunStatus, type ExecuteRequest } from "@tenax/proto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRawWorker } from "../setup/raw-worker.js";
import { shortLease, startStack, type Stack } from "../setup/stack.js";
import { fuzzRuns } from "./arbitraries.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("fuzz_protocol", shortLease);
});
afterAll(() => stack?.stop());

const hello = (appId: string) => ({
  kind: {
    case: "hello" as const,
    value: {
      appId,
      appVersion: "1",
      sdkName: "fuzz",
      sdkVersion: "0",
      instanceId: crypto.randomUUID(),
      maxConcurrency: 5,
      functions: [{ id: "target", triggers: [{ kind: { case: "event" as const, value: { event: `fuzz/${appId}`, expression: "" } } }] }],
    },
  },
});

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom("1", '"ok"', "{", "NaN", "[1,]", "\u0000", "null").map((s) => new TextEncoder().encode(s)),
  fc.constant(new Uint8Array(5 * 1024 * 1024).fill(0x31)), // over the 4 MiB step limit
);
const op = fc.record({
  code: fc.integer({ min: 0, max: 12 }),
  stepId: fc.oneof(fc.constant("s1"), fc.string({ maxLength: 8 }), fc.constant("\u0000")),
  userId: fc.oneof(fc.constant("s1"), fc.string({ maxLength: 8 })),
  data: bytes,
});
/** One hostile message; `real` is the request actually held, so ids can be right or wrong. */
const hostile = fc.oneof(
  fc.record({ which: fc.constant("result" as const), rightRequest: fc.boolean(), rightLease: fc.boolean(), ops: fc.array(op, { maxLength: 3 }) }),
  fc.record({ which: fc.constant("ack" as const), rightRequest: fc.boolean() }),
  fc.record({ which: fc.constant("extend" as const), rightRequest: fc.boolean(), rightLease: fc.boolean() }),
  fc.record({ which: fc.constant("checkpoint" as const), rightRequest: fc.boolean(), rightLease: fc.boolean(), ops: fc.array(op, { maxLength: 2 }) }),
  fc.record({ which: fc.constant("memoFetch" as const), rightRequest: fc.boolean() }),
  fc.record({ which: fc.constant("hello" as const) }),
);

const pick = (right: boolean, value: string) => (right ? value : crypto.randomUUID());
type Hostile = typeof hostile extends fc.Arbitrary<infer T> ? T : never;
type Real = Pick<ExecuteRequest, "requestId" | "leaseId" | "runId">;

function toMessage(m: Hostile, real: Real) {
  const requestId = pick("rightRequest" in m && m.rightRequest, real.requestId);
  const leaseId = pick("rightLease" in m && m.rightLease, real.leaseId);
  switch (m.which) {
    case "result":
      return { kind: { case: "result" as const, value: { requestId, leaseId, runId: real.runId, ops: m.ops } } };
    case "ack":
      return { kind: { case: "ack" as const, value: { requestId } } };
    case "extend":
      return { kind: { case: "extendLease" as const, value: { requestId, leaseId } } };
    case "checkpoint":
      return { kind: { case: "checkpoint" as const, value: { requestId, leaseId, runId: real.runId, sequence: 1, ops: m.ops } } };
    case "memoFetch":
      return { kind: { case: "memoFetch" as const, value: { requestId } } };
    case "hello":
      return hello("fuzz-second");
  }
}

const complete = (r: Real) => ({
  kind: { case: "result" as const, value: { ...r, ops: [{ code: OpCode.RUN_COMPLETE, data: new TextEncoder().encode('"done"') }] } },
});

/** An honest worker of the app: answers every request with RUN_COMPLETE (the run must end). */
async function honestWorker(appId: string) {
  const w = createRawWorker(stack.executorUrl);
  await w.send(hello(appId));
  await w.next((m) => m.kind.case === "registered");
  const answered = new Set<string>();
  const timer = setInterval(() => {
    for (const m of w.received)
      if (m.kind.case === "execute" && !answered.has(m.kind.value.requestId)) {
        answered.add(m.kind.value.requestId);
        void w.send(complete(m.kind.value)).catch(() => {});
      }
  }, 50);
  return { close: () => (clearInterval(timer), w.close()) };
}

describe("worker protocol (fuzzed)", () => {
  it(
    "hostile messages around a real request: the executor stays up, answers what it refuses, and every run still ends",
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 6 }), async (sequence) => {
          const appId = `fuzz-${n++}`;
          const w = createRawWorker(stack.executorUrl);
          try {
            await w.send(hello(appId));
            await w.next((m) => m.kind.case === "registered");
            await stack.ingest.sendEvents({ events: [{ name: `fuzz/${appId}`, data: {} }] });
            const r = (await w.next((m) => m.kind.case === "execute")).kind.value as ExecuteRequest;
            // The executor may end the stream on a violation: later writes then fail, which is fine.
            for (const m of sequence) await w.send(toMessage(m, r)).catch(() => {});
            await w.send(complete(r)).catch(() => {});
            for (const m of w.received)
              if (m.kind.case === "resultAck" && !m.kind.value.accepted) {
                expect(m.kind.value.code).not.toBe(ErrorCode.UNSPECIFIED); // refused with a reason, never silently
                expect(m.kind.value.message.length).toBeGreaterThan(0);
              }
          } finally {
            await w.close();
          }
          // Whatever the hostile worker did, the run ends: completed, or failed by a bad op.
          const honest = await honestWorker(appId);
          try {
            const [started] = (await stack.runs.listRuns({ functionId: "target", appId })).runs;
            const run = await stack.waitForRun(started!.id, 30_000);
            expect([RunStatus.COMPLETED, RunStatus.FAILED]).toContain(run.status);
          } finally {
            await honest.close();
          }
          expect(stack.procs.get("executor")!.child.exitCode).toBeNull();
        }),
        { numRuns: fuzzRuns(10) },
      );
      const health = await createClient(HealthService, createGrpcTransport({ baseUrl: stack.executorUrl, acceptCompression: [] })).check({});
      expect(health).toMatchObject({ service: "executor", databaseOk: true });
    },
    60_000 + fuzzRuns(10) * 2000,
  ); // the full run (FUZZ_RUNS=1000) takes minutes
});
