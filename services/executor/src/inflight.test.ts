import { create, toBinary } from "@bufbuild/protobuf";
import { ErrorInfoSchema, MemoEntrySchema, type MemoEntry } from "@tenax/proto";
import type { StepInsert } from "@tenax/state";
import { describe, expect, it } from "vitest";
import {
  acked,
  checkpointed,
  checkpointSeen,
  createInflight,
  dispatched,
  eventDataBytes,
  fenced,
  fenceExpired,
  handedBack,
  heldRequest,
  leaseExtended,
  memoReloaded,
  memoStale,
  resultStored,
  stepMemoized,
  stepTargeted,
  wentParallel,
  yielded,
  type Claim,
  type Inflight,
} from "./inflight.js";

const bytes = new TextEncoder();
const data = (stepId: string, json: string): MemoEntry => create(MemoEntrySchema, { stepId, result: { case: "data", value: bytes.encode(json) } });
const error = (stepId: string): MemoEntry => create(MemoEntrySchema, { stepId, result: { case: "error", value: { message: "boom" } } });
const errorBytes = (m: MemoEntry) => (m.result.case === "error" ? toBinary(ErrorInfoSchema, m.result.value).length : 0);
const ran = (stepId: string, output: string): StepInsert => ({ stepId, userId: stepId, name: stepId, status: "completed", output, error: null });

function claim(over: Partial<Claim> = {}): Claim {
  return {
    leaseId: "lease-1",
    leaseExpiresAtMs: 10_000,
    runId: "run-1",
    appId: "app",
    functionId: "fn",
    functionVersion: 1,
    attempt: 2,
    maxAttempts: 4,
    targetStepId: "",
    planMode: false,
    eventSeqFloor: 7,
    triggerEvent: { name: "e" },
    events: [],
    memo: [],
    eventBytes: 0,
    ...over,
  };
}

/** A claimed work with one request out, held by a fresh connection table. */
function inFlight(over: Partial<Claim> = {}) {
  const requests = new Map<string, Inflight>();
  const work = createInflight(claim(over), 1_000);
  dispatched(requests, work, false, 1_000);
  return { requests, work };
}

describe("claimed", () => {
  it("starts with no request out, the item's target, and run state counting events and outputs", () => {
    const memo = [data("a", '"xy"'), error("b"), data("c", "1")];
    const work = createInflight(claim({ memo, eventBytes: 10, targetStepId: "p" }), 500);
    expect(work).toMatchObject({ requestId: "", itemTarget: "p", targetStepId: "p", attempt: 2, checkpointSequence: 0, memoSent: 0, startedAtMs: 500 });
    // A failed step's stored error counts too (its encoded size).
    expect(work.stateBytes).toBe(10 + 4 + errorBytes(memo[1]!) + 1);
    expect(work.eventBytes).toBe(10);
    expect(work.memo).toBe(memo); // held, not copied
  });

  it("counts event data as JSON text", () => {
    expect(eventDataBytes([{ data: { a: 1 } }, { data: {} }])).toBe('{"a":1}'.length + 2);
    expect(eventDataBytes([])).toBe(0);
  });
});

describe("dispatched", () => {
  it("gives each request a new id, held by the connection, and sends the whole memo first", () => {
    const requests = new Map<string, Inflight>();
    const work = createInflight(claim({ memo: [data("a", "1"), data("b", "2")] }), 0);
    expect(dispatched(requests, work, false, 2_000)).toBe(0);
    expect(work.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests.get(work.requestId)).toBe(work);
    expect(work).toMatchObject({ memoSent: 2, startedAtMs: 2_000 });
  });

  it("sends a continuation only the memo entries the worker lacks", () => {
    const { requests, work } = inFlight({ memo: [data("a", "1")] });
    const first = work.requestId;
    acked(requests, work);
    stepMemoized(work, ran("b", "2"));
    resultStored(work, { leaseExpiresAtMs: 20_000, eventSeqFloor: 9 });
    expect(dispatched(requests, work, false, 3_000)).toBe(1);
    expect(work.requestId).not.toBe(first);
    expect([...requests.keys()]).toEqual([work.requestId]);
    expect(work).toMatchObject({ memoSent: 2, startedAtMs: 3_000 });
    // Nothing new: the offset is the whole memo (an empty delta), not a resend.
    acked(requests, work);
    expect(dispatched(requests, work)).toBe(2);
  });

  it("resends the current request whole for memo_fetch: same id, same start, from offset 0", () => {
    const { requests, work } = inFlight({ memo: [data("a", "1")] });
    acked(requests, work);
    stepMemoized(work, ran("b", "2"));
    dispatched(requests, work, false, 4_000);
    const id = work.requestId;
    expect(dispatched(requests, work, true, 9_000)).toBe(0);
    expect(work).toMatchObject({ requestId: id, startedAtMs: 4_000, memoSent: 2 });
    expect(requests.size).toBe(1);
  });

  it("starts a new request's checkpoints from sequence 0", () => {
    const { requests, work } = inFlight();
    checkpointed(work, 3, 7, 1_000, 0);
    acked(requests, work);
    dispatched(requests, work);
    expect(work.checkpointSequence).toBe(0);
    expect(checkpointSeen(work, 1)).toBe(false);
  });
});

describe("held requests and the lease", () => {
  it("counts a message only for the request and lease it names", () => {
    const { requests, work } = inFlight();
    expect(heldRequest(requests, work.requestId, "lease-1")).toBe(work);
    expect(heldRequest(requests, work.requestId, "lease-2")).toBeUndefined();
    expect(heldRequest(requests, "other", "lease-1")).toBeUndefined();
  });

  it("extends the lease to the time the database granted", () => {
    const { work } = inFlight();
    leaseExtended(work, 55_000);
    expect(work.leaseExpiresAtMs).toBe(55_000);
  });

  it("drops fenced and acked requests, and only those", () => {
    const requests = new Map<string, Inflight>();
    const a = createInflight(claim({ leaseId: "a" }));
    const b = createInflight(claim({ leaseId: "b" }));
    const c = createInflight(claim({ leaseId: "c" }));
    for (const w of [a, b, c]) dispatched(requests, w);
    fenced(requests, a);
    acked(requests, b);
    expect([...requests.values()]).toEqual([c]);
  });

  it("fences work whose lease ran out", () => {
    const requests = new Map<string, Inflight>();
    const early = createInflight(claim({ leaseId: "early", leaseExpiresAtMs: 99 }));
    const due = createInflight(claim({ leaseId: "due", leaseExpiresAtMs: 100 }));
    const late = createInflight(claim({ leaseId: "late", leaseExpiresAtMs: 101 }));
    for (const w of [early, due, late]) dispatched(requests, w);
    fenceExpired(requests, 100);
    expect([...requests.values()].map((w) => w.leaseId)).toEqual(["due", "late"]);
  });

  it("hands back everything a connection held, returning the leases to release", () => {
    const requests = new Map<string, Inflight>();
    for (const leaseId of ["a", "b"]) dispatched(requests, createInflight(claim({ leaseId })));
    expect(handedBack(requests)).toEqual(["a", "b"]);
    expect(requests.size).toBe(0);
    expect(handedBack(requests)).toEqual([]);
  });
});

describe("result stored", () => {
  it("appends memoized steps in place and counts outputs and errors", () => {
    const { work } = inFlight({ memo: [data("a", "1")], eventBytes: 5 });
    const memo = work.memo;
    stepMemoized(work, ran("b", '"abc"'));
    stepMemoized(work, { stepId: "c", userId: "c", name: "c", status: "failed", output: null, error: { name: "Error", message: "no" } });
    expect(work.memo).toBe(memo);
    expect(work.memo.map((m) => m.stepId)).toEqual(["a", "b", "c"]);
    expect(work.memo[1]!.result).toEqual({ case: "data", value: bytes.encode('"abc"') });
    expect(work.memo[2]!.result.case).toBe("error");
    expect(work.memo[2]!.result.value).toMatchObject({ name: "Error", message: "no" });
    expect(work.stateBytes).toBe(5 + 1 + 5 + errorBytes(work.memo[2]!));
  });

  it("memoizes a step stored without output as JSON null", () => {
    const { work } = inFlight();
    stepMemoized(work, { ...ran("a", ""), output: null });
    expect(work.memo[0]!.result).toEqual({ case: "data", value: bytes.encode("null") });
    expect(work.stateBytes).toBe(4);
  });

  it("moves the run to its next position: attempt and target go back, the lease and floor follow the write", () => {
    const { work } = inFlight({ targetStepId: "p" });
    stepTargeted(work, "q");
    resultStored(work, { leaseExpiresAtMs: 30_000, eventSeqFloor: 12 });
    expect(work).toMatchObject({ attempt: 0, targetStepId: "", itemTarget: "p", leaseExpiresAtMs: 30_000, eventSeqFloor: 12 });
  });

  it("keeps what a write does not report (a duplicate renews only the lease; ops resolved at once report only the floor)", () => {
    const { work } = inFlight();
    resultStored(work, { leaseExpiresAtMs: 40_000 });
    expect(work).toMatchObject({ leaseExpiresAtMs: 40_000, eventSeqFloor: 7 });
    resultStored(work, { eventSeqFloor: 15 });
    expect(work).toMatchObject({ leaseExpiresAtMs: 40_000, eventSeqFloor: 15 });
  });
});

describe("checkpointed", () => {
  it("records the sequence, renews the lease from now, resets the attempt, and keeps the request in flight", () => {
    const { requests, work } = inFlight({ targetStepId: "" });
    stepMemoized(work, ran("a", "1"));
    checkpointed(work, 2, 20, 5_000, 60_000);
    expect(work).toMatchObject({ checkpointSequence: 2, attempt: 0, eventSeqFloor: 20, leaseExpiresAtMs: 65_000 });
    expect(requests.get(work.requestId)).toBe(work);
    expect(checkpointSeen(work, 1)).toBe(true);
    expect(checkpointSeen(work, 2)).toBe(true);
    expect(checkpointSeen(work, 3)).toBe(false);
  });
});

describe("continuations on the same lease", () => {
  it("yielded: the attempt goes back, the target stays", () => {
    const { work } = inFlight({ targetStepId: "p" });
    yielded(work);
    expect(work).toMatchObject({ attempt: 0, targetStepId: "p" });
  });

  it("step targeted: the next request runs that step, with the attempt kept", () => {
    const { work } = inFlight();
    stepTargeted(work, "s1");
    expect(work).toMatchObject({ targetStepId: "s1", attempt: 2 });
  });

  it("went parallel: plan mode stays on", () => {
    const { work } = inFlight();
    wentParallel(work);
    expect(work.planMode).toBe(true);
  });
});

describe("memo reloaded", () => {
  it("is stale when the store holds another number of steps", () => {
    const { work } = inFlight({ memo: [data("a", "1")] });
    expect(memoStale(work, 1)).toBe(false);
    expect(memoStale(work, 2)).toBe(true);
    expect(memoStale(work, 0)).toBe(true);
  });

  it("replaces the memo, recounts run state, and makes the next request send it whole", () => {
    const { requests, work } = inFlight({ memo: [data("a", "1")], eventBytes: 3 });
    stepMemoized(work, ran("b", "22"));
    const reloaded = [data("b", "22"), data("x", '"other"'), data("a", "1")];
    memoReloaded(work, reloaded);
    expect(work.memo).toBe(reloaded);
    expect(work.stateBytes).toBe(3 + 2 + 7 + 1);
    acked(requests, work);
    expect(dispatched(requests, work)).toBe(0);
    expect(work.memoSent).toBe(3);
  });
});
