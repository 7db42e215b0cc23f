import { create } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, OpCode, type ExecuteRequest } from "@tenax/proto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Execution } from "../execution/execute.js";
import { createFakeSession, type FakeSession } from "../internal-testing/fake-session.js";
import { json, sha1 } from "../internal-testing/execute-handler.js";
import { createWarmExecutions } from "./warm-executions.js";
import { isWarmContinuation, type SuspendedExecution } from "./warm-match.js";

const execution = { attempt: 0 } as Execution;

/** A run's first request (empty memo) that ran step "a" with output 1. */
function suspended(session: FakeSession, runId = "run-1"): SuspendedExecution {
  const request = create(ExecuteRequestSchema, { requestId: `${runId}-r1`, leaseId: "lease-1", runId, appId: "shop", functionId: "fn", functionVersion: 1 });
  return { session, request, execution, memo: [], step: { code: OpCode.STEP_RAN, stepId: sha1("a"), data: json(1) } };
}

/** The continuation the executor sends after storing "a"; `init` changes it. */
function continuation(init: Record<string, unknown> = {}, runId = "run-1"): ExecuteRequest {
  return create(ExecuteRequestSchema, {
    requestId: `${runId}-r2`,
    leaseId: "lease-1",
    runId,
    appId: "shop",
    functionId: "fn",
    functionVersion: 1,
    memoOffset: 0,
    memo: [{ stepId: sha1("a"), result: { case: "data", value: json(1) } }],
    ...init,
  } as never);
}

describe("isWarmContinuation", () => {
  it("matches only the exact continuation", () => {
    const session = createFakeSession();
    const held = suspended(session);
    expect(isWarmContinuation(held, session, continuation())).toBe(true);
    const other = { stepId: sha1("a"), result: { case: "data", value: json(2) } };
    const cases: Array<[string, Record<string, unknown>]> = [
      ["lease", { leaseId: "lease-2" }],
      ["version", { functionVersion: 2 }],
      ["attempt", { attempt: 1 }],
      ["target", { targetStepId: sha1("b") }],
      ["plan mode", { disableImmediateExecution: true }],
      ["offset", { memoOffset: 1 }],
      ["no delta", { memo: [] }],
      ["two entries", { memo: [continuation().memo[0], continuation().memo[0]] }],
      ["other data", { memo: [other] }],
      ["other step", { memo: [{ ...other, stepId: sha1("b"), result: { case: "data", value: json(1) } }] }],
      ["stored failed", { memo: [{ stepId: sha1("a"), result: { case: "error", value: { message: "too large" } } }] }],
    ];
    for (const [name, init] of cases) expect(isWarmContinuation(held, session, continuation(init)), name).toBe(false);
    expect(isWarmContinuation(held, createFakeSession(), continuation()), "other session").toBe(false);
    session.close();
    expect(isWarmContinuation(held, session, continuation()), "closed session").toBe(false);
  });
});

describe("WarmExecutions", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
  afterEach(() => vi.useRealTimers());

  it("hands out a run's execution once, to its continuation; any other request of the run drops it", () => {
    const session = createFakeSession();
    const warm = createWarmExecutions({ capacity: 4 });
    const held = suspended(session);
    warm.keep(held);
    expect(warm.take(session, continuation({}, "run-2"))).toBeUndefined();
    expect(warm.take(session, continuation())).toBe(held);
    expect(warm.size()).toBe(0);
    warm.keep(held);
    expect(warm.take(session, continuation({ leaseId: "lease-2" }))).toBeUndefined();
    expect(warm.take(session, continuation())).toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("evicts after the idle time (at most the session's lease), leaving no timer", () => {
    const warm = createWarmExecutions({ capacity: 4 });
    const session = createFakeSession({ leaseMs: 60_000 });
    warm.keep(suspended(session));
    vi.advanceTimersByTime(29_999);
    expect(warm.size()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(warm.size()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    const shortLease = createFakeSession({ leaseMs: 500 });
    warm.keep(suspended(shortLease));
    vi.advanceTimersByTime(500);
    expect(warm.take(shortLease, continuation())).toBeUndefined();
  });

  it("holds at most `capacity`, evicting the oldest, and one per run", () => {
    const session = createFakeSession();
    const warm = createWarmExecutions({ capacity: 2 });
    for (const runId of ["run-1", "run-2", "run-1", "run-3"]) warm.keep(suspended(session, runId));
    expect(warm.size()).toBe(2);
    expect(warm.take(session, continuation({}, "run-2"))).toBeUndefined();
    expect(warm.take(session, continuation({}, "run-1"))).toBeDefined();
    expect(warm.take(session, continuation({}, "run-3"))).toBeDefined();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("drops a session's executions when it ends, and everything on clear()", async () => {
    const first = createFakeSession();
    const second = createFakeSession();
    const warm = createWarmExecutions({ capacity: 4 });
    warm.keep(suspended(first, "run-1"));
    warm.keep(suspended(second, "run-2"));
    first.close();
    await first.ended;
    expect(warm.size()).toBe(1);
    warm.keep(suspended(first, "run-3"));
    expect(warm.size()).toBe(1);
    warm.clear();
    expect(warm.size()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
