import { randomUUID } from "node:crypto";
import type { Checkpointing, MemoEntry, StoredEvent } from "@tenax/proto";
import type { StepInsert } from "@tenax/state";
import { memoBytes, memoEntryFromInsert } from "./memo.js";

/**
 * In-flight work: a claimed queue item an executor holds under a lease while a worker runs it,
 * one execute request after another. This module is its only writer: the fields are read-only
 * elsewhere, and every change is one of the named transitions below, so the lease rules (what
 * renews the lease, when the attempt counter and the target go back, when the worker's memo is
 * resent whole, how run state is counted) live here.
 *
 * The life of one claim:
 *
 *     createInflight ─▶ dispatched ─▶ (leaseExtended | checkpointed | memo fetch: dispatched full)*
 *                         ▲    │
 *                         │    ▼ the worker's result
 *                         │  acked ─▶ resultStored / yielded / stepTargeted ─┐
 *                         └──────────────────────────────────────────────────┘ same lease, new request
 *                              │
 *                              ▼ otherwise the request ends there: parked, retried later, run ended,
 *                                handed back (drain, goodbye, disconnect) or fenced (lease lost)
 *
 * A connection holds its work by request id (`WorkerSession.requests`): a result, checkpoint or
 * lease extension counts only for the request and lease it names (`heldRequest`).
 */
interface InflightState {
  requestId: string;
  leaseId: string;
  /** When the lease runs out as far as this executor knows (renewed by writes and extensions). */
  leaseExpiresAtMs: number;
  runId: string;
  appId: string;
  functionId: string;
  functionVersion: number;
  attempt: number;
  maxAttempts: number;
  /** Step the worker is asked to run (set for parallel steps). */
  targetStepId: string;
  /** The queue item's own target: non-empty when the item exists for one parallel step. */
  itemTarget: string;
  /** The run planned parallel steps: discovery requests must not run steps inline any more. */
  planMode: boolean;
  /** Checkpointing settings of the run's function version, when enabled. */
  checkpointing?: Checkpointing;
  /** Last checkpoint sequence stored for the current request. */
  checkpointSequence: number;
  /** Memo entries the worker holds from the previous request: later requests send only the rest. */
  memoSent: number;
  /** Waits created by this request see only events received after this sequence. */
  eventSeqFloor: number;
  /** The run's triggering event as expressions see it (`event`). */
  triggerEvent: Record<string, unknown>;
  events: StoredEvent[];
  /** The run's memoized steps in stored order. Appended to in place, never copied per step. */
  memo: MemoEntry[];
  /** Bytes of event data and memoized outputs, for the run-state limit. */
  stateBytes: number;
  /** Bytes of the triggering events' data (part of stateBytes). */
  eventBytes: number;
  /** When the current request was dispatched (a step's start time). */
  startedAtMs: number;
}

/** Work an executor holds under a lease while a worker executes it (change it only through this module). */
export type Inflight = Readonly<InflightState>;

/** A connection's in-flight work by request id. */
export type InflightRequests = ReadonlyMap<string, Inflight>;

/** The one place the read-only views are written through. */
const state = (work: Inflight) => work as InflightState;
const table = (requests: InflightRequests) => requests as Map<string, Inflight>;

/** What a claim brings: the queue item and its run's context. */
export interface Claim {
  leaseId: string;
  leaseExpiresAtMs: number;
  runId: string;
  appId: string;
  functionId: string;
  functionVersion: number;
  /** The queue item's attempt (a retry timer's item comes back with the next one). */
  attempt: number;
  maxAttempts: number;
  /** The queue item's target step: non-empty for a parallel step's own item. */
  targetStepId: string;
  planMode: boolean;
  checkpointing?: Checkpointing;
  eventSeqFloor: number;
  triggerEvent: Record<string, unknown>;
  events: StoredEvent[];
  memo: MemoEntry[];
  /** Bytes of the triggering events' data (`eventDataBytes`). */
  eventBytes: number;
}

/** Bytes the triggering events' data count towards the run-state limit. */
export function eventDataBytes(events: readonly { data: unknown }[]): number {
  let n = 0;
  for (const e of events) n += JSON.stringify(e.data).length;
  return n;
}

/** Claimed: the work exists but no request is out yet (`dispatched` sends the first). */
export function createInflight(claim: Claim, nowMs = Date.now()): Inflight {
  let memoBytesTotal = 0;
  for (const m of claim.memo) memoBytesTotal += memoBytes(m);
  return {
    requestId: "",
    leaseId: claim.leaseId,
    leaseExpiresAtMs: claim.leaseExpiresAtMs,
    runId: claim.runId,
    appId: claim.appId,
    functionId: claim.functionId,
    functionVersion: claim.functionVersion,
    attempt: claim.attempt,
    maxAttempts: claim.maxAttempts,
    targetStepId: claim.targetStepId,
    itemTarget: claim.targetStepId,
    planMode: claim.planMode,
    checkpointing: claim.checkpointing,
    checkpointSequence: 0,
    memoSent: 0,
    eventSeqFloor: claim.eventSeqFloor,
    triggerEvent: claim.triggerEvent,
    events: claim.events,
    memo: claim.memo,
    // Run state counts event data, every step output and the function's output.
    stateBytes: memoBytesTotal + claim.eventBytes,
    eventBytes: claim.eventBytes,
    startedAtMs: nowMs,
  };
}

/**
 * Dispatched: an execute request for the work goes out under a new request id (same lease),
 * and the connection holds the work by it. `full` resends the current request (same id) with
 * its whole memo, as memo_fetch asks. Returns the memo offset the request starts at: the worker
 * keeps the memo of this run's previous request, so a continuation sends only what it lacks
 * (no O(n²) transfer for long runs).
 */
export function dispatched(requests: InflightRequests, work: Inflight, full = false, nowMs = Date.now()): number {
  const w = state(work);
  if (!full) {
    w.requestId = randomUUID();
    w.startedAtMs = nowMs;
  }
  w.checkpointSequence = 0;
  table(requests).set(w.requestId, work);
  const offset = !full && w.memoSent > 0 && w.memoSent <= w.memo.length ? w.memoSent : 0;
  w.memoSent = w.memo.length;
  return offset;
}

/** The work a result, checkpoint or extension names, if this connection holds that request under that lease. */
export function heldRequest(requests: InflightRequests, requestId: string, leaseId: string): Inflight | undefined {
  const work = requests.get(requestId);
  return work && work.leaseId === leaseId ? work : undefined;
}

/** The lease was extended (extend_lease): it now runs until `expiresAtMs`. */
export function leaseExtended(work: Inflight, expiresAtMs: number): void {
  state(work).leaseExpiresAtMs = expiresAtMs;
}

/**
 * Acked: the request is answered and leaves the connection: its result was taken (stored,
 * parked, retried later, the run finished or failed) or the run ended under it. The work goes
 * on only if dispatched again.
 */
export function acked(requests: InflightRequests, work: Inflight): void {
  table(requests).delete(work.requestId);
}

/**
 * Fenced: the lease is no longer held (a write found it gone, an extension was refused): the
 * connection drops the work, and nothing of it is dispatched again. Its item is another
 * claim's now.
 */
export function fenced(requests: InflightRequests, work: Inflight): void {
  table(requests).delete(work.requestId);
}

/** Fences the work whose lease ran out by `nowMs` (a crashed or slow path: it becomes claimable again). */
export function fenceExpired(requests: InflightRequests, nowMs: number): void {
  for (const [id, w] of requests) if (w.leaseExpiresAtMs < nowMs) table(requests).delete(id);
}

/**
 * Handed back: the connection ends, and everything it held goes back for redelivery at once.
 * Returns the leases to release.
 */
export function handedBack(requests: InflightRequests): string[] {
  const leases: string[] = [];
  for (const w of requests.values()) leases.push(w.leaseId);
  table(requests).clear();
  return leases;
}

/** A step the database memoized for this run (a result, a checkpoint, an op resolved at once): appended in place. */
export function stepMemoized(work: Inflight, step: StepInsert): void {
  const w = state(work);
  const entry = memoEntryFromInsert(step);
  w.memo.push(entry);
  w.stateBytes += memoBytes(entry);
}

/**
 * Result stored: the request's step(s) are memoized (`stepMemoized`, or already stored before),
 * so the run moves to its next position: the attempt counter and the target step go back. The
 * write that stored it reports the renewed lease and the event floor later waits start from,
 * when it has them (a saved step both, a duplicate only the lease, ops resolved at once only the
 * floor).
 */
export function resultStored(work: Inflight, write: { readonly leaseExpiresAtMs?: number; readonly eventSeqFloor?: number }): void {
  const w = state(work);
  if (write.leaseExpiresAtMs !== undefined) w.leaseExpiresAtMs = write.leaseExpiresAtMs;
  // Events this request sent are not "later" for a wait it creates next.
  if (write.eventSeqFloor !== undefined) w.eventSeqFloor = write.eventSeqFloor;
  w.attempt = 0;
  w.targetStepId = "";
}

/** Whether a checkpoint of the current request with this sequence was stored already (a resend). */
export function checkpointSeen(work: Inflight, sequence: number): boolean {
  return sequence <= work.checkpointSequence;
}

/**
 * Checkpointed: steps of the current request are memoized (`stepMemoized`) and the request stays
 * in flight. The write renewed the lease for `leaseMs` from about now; the steps that follow are
 * new positions (attempt 0).
 */
export function checkpointed(work: Inflight, sequence: number, eventSeqFloor: number, leaseMs: number, nowMs = Date.now()): void {
  const w = state(work);
  w.checkpointSequence = sequence;
  w.attempt = 0;
  w.eventSeqFloor = eventSeqFloor;
  w.leaseExpiresAtMs = nowMs + leaseMs;
}

/** Yielded: checkpointing ran out of time; its steps are stored, so the next request starts a new position. */
export function yielded(work: Inflight): void {
  state(work).attempt = 0;
}

/** One step found by discovery but not run inline: the next request runs it, targeted, on the same lease. */
export function stepTargeted(work: Inflight, stepId: string): void {
  state(work).targetStepId = stepId;
}

/** The run planned parallel steps: discovery requests must not run steps inline any more. */
export function wentParallel(work: Inflight): void {
  state(work).planMode = true;
}

/** Whether the database holds a different number of steps than the memo (other processes memoized some). */
export function memoStale(work: Inflight, storedStepCount: number): boolean {
  return storedStepCount !== work.memo.length;
}

/**
 * Memo reloaded from the store in stored order: its order may differ from what the worker
 * holds, so the next request sends it whole; run state is counted again.
 */
export function memoReloaded(work: Inflight, memo: MemoEntry[]): void {
  const w = state(work);
  w.memo = memo;
  w.memoSent = 0;
  let bytes = w.eventBytes;
  for (const m of memo) bytes += memoBytes(m);
  w.stateBytes = bytes;
}
