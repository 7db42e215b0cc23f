import { limits } from "@tenax/engine";
import { ErrorCode, ErrorReason, OpCode, reasonMessage, type Checkpoint } from "@tenax/proto";
import { queueDrop, stepsCheckpoint } from "@tenax/state";
import { acked, checkpointed, checkpointSeen, fenced, heldRequest, stepMemoized, type Inflight } from "./inflight.js";
import type { ResultDeps } from "./results.js";
import { failOnRefusal, failUnstorable, stepLimit, syncMemo } from "./results.js";
import type { ResultOutcome, WorkerSession } from "./session.js";
import { outputProblem, unstorableStepField } from "./storable-result.js";

const utf8 = new TextDecoder();

/**
 * Persists a checkpoint: steps a worker ran back to back within one request (checkpointing).
 * Fenced by the lease; the request stays in flight, so its final result comes later. A resent
 * checkpoint (same sequence) is acknowledged again; its steps are deduplicated by id anyway.
 */
export async function handleCheckpoint(deps: ResultDeps, session: WorkerSession, cp: Checkpoint): Promise<ResultOutcome> {
  const work = heldRequest(session.requests, cp.requestId, cp.leaseId);
  if (!work) {
    return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `request ${cp.requestId} is not held by this connection` };
  }
  if (checkpointSeen(work, cp.sequence)) return { accepted: true };
  const bad = cp.ops.find((o) => o.code !== OpCode.STEP_RAN || o.data.length > limits.stepOutputMaxBytes);
  if (bad) {
    return {
      accepted: false,
      code: ErrorCode.PROTOCOL,
      message: `checkpoint ops must be STEP_RAN with outputs up to ${limits.stepOutputMaxBytes} bytes; got ${OpCode[bad.code]} for "${bad.userId}"`,
    };
  }
  const outcome = await failOnRefusal(deps, session, work, () => saveCheckpoint(deps, session, work, cp));
  // The run failed instead: the worker abandons the request (its final result would be fenced).
  if (outcome.accepted && !session.requests.has(work.requestId))
    return { accepted: false, code: ErrorCode.UNSTORABLE_VALUE, message: `run ${work.runId} failed: a checkpointed value cannot be stored` };
  return outcome;
}

async function saveCheckpoint(deps: ResultDeps, session: WorkerSession, work: Inflight, cp: Checkpoint): Promise<ResultOutcome> {
  const steps = cp.ops.map((o) => ({
    stepId: o.stepId,
    userId: o.userId,
    name: o.name || o.userId,
    status: "completed" as const,
    output: utf8.decode(o.data) || "null",
    error: null,
    attempt: 0,
  }));
  for (const [i, o] of cp.ops.entries()) {
    const output = outputProblem(steps[i]!.output);
    const problem = unstorableStepField(o) ?? (output && `step "${o.userId}" output ${output}`);
    if (problem) return failUnstorable(deps, session, work, problem);
  }
  if (steps[0]) steps[0].attempt = work.attempt; // only the request's first step may be a retry
  if (work.memo.length + steps.length > limits.stepsPerRun) {
    // The run fails, as it would without checkpointing; the worker abandons the request.
    await stepLimit(deps, session, work);
    return {
      accepted: false,
      code: ErrorCode.STEP_LIMIT_EXCEEDED,
      message: reasonMessage(ErrorReason.STEP_LIMIT_EXCEEDED, `the limit is ${limits.stepsPerRun} steps per run`),
    };
  }
  const saved = await stepsCheckpoint(deps.database.sql, { runId: work.runId, leaseId: work.leaseId, leaseMs: deps.config.leaseMs, steps });
  if (saved.kind === "fenced") {
    fenced(session.requests, work);
    return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `lease ${work.leaseId} of run ${work.runId} is no longer held` };
  }
  if (saved.runEnded) {
    acked(session.requests, work);
    await queueDrop(deps.database.sql, work);
    deps.dispatcher.pump();
    return { accepted: false, code: ErrorCode.CANCELLED, message: `run ${work.runId} was cancelled; its checkpointed steps are stored` };
  }
  const stored = new Set(saved.stored);
  for (const s of steps) if (stored.has(s.stepId)) stepMemoized(work, s);
  checkpointed(work, cp.sequence, saved.eventSeqFloor, deps.config.leaseMs, deps.clock.now());
  await syncMemo(deps, work, saved.stepCount);
  return { accepted: true };
}
