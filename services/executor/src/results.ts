import { create } from "@bufbuild/protobuf";
import { errorInfoToJson, limits, type Logger } from "@tenax/common";
import { ErrorCode, ErrorInfoSchema, MemoEntrySchema, OpCode, type ErrorInfo, type ExecutionResult, type Op } from "@tenax/proto";
import { leaseRelease, runFinish, runRetryLater, stepSave, type Database } from "@tenax/state";
import { clampRetryAt, retryDelayMs } from "./backoff.js";
import type { ExecutorConfig } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import type { Inflight, ResultOutcome, WorkerSession } from "./session.js";

const utf8 = new TextDecoder();

export interface ResultDeps {
  database: Database;
  config: ExecutorConfig;
  dispatcher: Dispatcher;
  logger: Logger;
  isDraining: () => boolean;
}

export type { ResultOutcome };

/**
 * Persists a worker's result and decides what the run does next: continue on the same lease,
 * wait for a retry timer, or end. Every write is fenced by the lease.
 */
export async function handleResult(deps: ResultDeps, session: WorkerSession, result: ExecutionResult): Promise<ResultOutcome> {
  const work = session.requests.get(result.requestId);
  if (!work || work.leaseId !== result.leaseId) {
    return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `request ${result.requestId} is not held by this connection` };
  }
  const op = result.ops[0];
  if (!op) return reject(deps, session, work, protocolError("result has no ops"));
  const planned = result.ops.filter((o) => o.code === OpCode.STEP_PLANNED);
  switch (op.code) {
    case OpCode.STEP_RAN: {
      if (op.data.length > limits.stepOutputMaxBytes) {
        const error = limitError(ErrorCode.OUTPUT_TOO_LARGE, "output_too_large", `step "${op.userId}" output is ${op.data.length} bytes; the limit is ${limits.stepOutputMaxBytes} bytes (4 MiB)`);
        return saveStep(deps, session, work, op, "failed", error);
      }
      if (work.stateBytes + op.data.length > limits.runStateMaxBytes) {
        const error = limitError(ErrorCode.STATE_TOO_LARGE, "state_too_large", `run state would reach ${work.stateBytes + op.data.length} bytes; the limit is ${limits.runStateMaxBytes} bytes (32 MiB)`);
        return finish(deps, session, work, "failed", null, error);
      }
      return saveStep(deps, session, work, op, "completed", null);
    }
    case OpCode.STEP_FAILED:
      return saveStep(deps, session, work, op, "failed", op.error ?? null);
    case OpCode.STEP_ERROR: {
      if (op.noRetry || work.attempt + 1 >= work.maxAttempts) return saveStep(deps, session, work, op, "failed", op.error ?? null);
      return retryLater(deps, session, work, op);
    }
    case OpCode.RUN_COMPLETE: {
      if (op.data.length > limits.stepOutputMaxBytes) {
        const error = limitError(ErrorCode.OUTPUT_TOO_LARGE, "output_too_large", `function output is ${op.data.length} bytes; the limit is ${limits.stepOutputMaxBytes} bytes (4 MiB)`);
        return finish(deps, session, work, "failed", null, error);
      }
      return finish(deps, session, work, "completed", utf8.decode(op.data) || "null", null);
    }
    case OpCode.RUN_ERROR: {
      if (op.noRetry || work.attempt + 1 >= work.maxAttempts) return finish(deps, session, work, "failed", null, op.error ?? null);
      return retryLater(deps, session, work, op);
    }
    case OpCode.STEP_PLANNED: {
      // Parallel steps run one at a time for now: target the first; rediscovery plans the rest.
      session.requests.delete(work.requestId);
      work.targetStepId = planned[0]!.stepId;
      continueOrHandBack(deps, session, work);
      return { accepted: true };
    }
    default:
      return finish(deps, session, work, "failed", null, limitError(ErrorCode.PROTOCOL, "unsupported_op", `op ${OpCode[op.code] ?? op.code} is not supported by this executor yet`));
  }
}

async function saveStep(deps: ResultDeps, session: WorkerSession, work: Inflight, op: Op, status: "completed" | "failed", error: ErrorInfo | null): Promise<ResultOutcome> {
  if (work.memo.length >= limits.stepsPerRun) {
    return finish(deps, session, work, "failed", null, limitError(ErrorCode.STEP_LIMIT_EXCEEDED, "step_limit_exceeded", `run has ${work.memo.length} steps; the limit is ${limits.stepsPerRun}`));
  }
  const saved = await stepSave(deps.database.sql, {
    runId: work.runId,
    leaseId: work.leaseId,
    stepId: op.stepId,
    userId: op.userId,
    name: op.name || op.userId,
    status,
    output: status === "completed" ? utf8.decode(op.data) || "null" : null,
    error: error ? errorInfoToJson(error) : null,
    attempt: work.attempt,
    startedAtMs: work.startedAtMs,
    leaseMs: deps.config.leaseMs,
  });
  session.requests.delete(work.requestId);
  if (saved.kind === "fenced") return lost(deps, work);
  if (saved.kind === "stored") {
    work.memo.push(
      create(MemoEntrySchema, {
        stepId: op.stepId,
        result: status === "completed" ? { case: "data", value: op.data.length ? op.data : new TextEncoder().encode("null") } : { case: "error", value: error ?? create(ErrorInfoSchema, {}) },
      }),
    );
    work.stateBytes += op.data.length;
    work.leaseExpiresAtMs = saved.leaseExpiresAtMs;
  }
  work.attempt = 0;
  work.targetStepId = "";
  continueOrHandBack(deps, session, work);
  return { accepted: true };
}

/** Next request of the run on the same worker, unless we are draining or it left. */
function continueOrHandBack(deps: ResultDeps, session: WorkerSession, work: Inflight): void {
  if (deps.isDraining() || session.draining) {
    leaseRelease(deps.database.sql, [work.leaseId]).then(
      () => deps.dispatcher.pump(),
      () => {}, // the lease then simply expires
    );
    return;
  }
  work.startedAtMs = Date.now();
  deps.dispatcher.send(session, work);
}

async function retryLater(deps: ResultDeps, session: WorkerSession, work: Inflight, op: Op): Promise<ResultOutcome> {
  const now = Date.now();
  const dueAtMs = op.retryAfterMs > 0n ? clampRetryAt(Number(op.retryAfterMs), now) : now + retryDelayMs(work.attempt, deps.config.retryBackoffScale);
  const ok = await runRetryLater(deps.database.sql, { runId: work.runId, leaseId: work.leaseId, attempt: work.attempt + 1, dueAtMs, targetStepId: "" });
  session.requests.delete(work.requestId);
  deps.dispatcher.pump();
  return ok ? { accepted: true } : lost(deps, work);
}

async function finish(deps: ResultDeps, session: WorkerSession, work: Inflight, status: "completed" | "failed", output: string | null, error: ErrorInfo | null): Promise<ResultOutcome> {
  const ok = await runFinish(deps.database.sql, { runId: work.runId, leaseId: work.leaseId, status, output, error: error ? errorInfoToJson(error) : null });
  session.requests.delete(work.requestId);
  deps.dispatcher.pump();
  return ok ? { accepted: true } : lost(deps, work);
}

async function reject(deps: ResultDeps, session: WorkerSession, work: Inflight, error: ErrorInfo): Promise<ResultOutcome> {
  await finish(deps, session, work, "failed", null, error);
  return { accepted: false, code: ErrorCode.PROTOCOL, message: error.message };
}

function lost(deps: ResultDeps, work: Inflight): ResultOutcome {
  deps.logger.warn("result fenced off: lease no longer held", { runId: work.runId, leaseId: work.leaseId });
  return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `lease ${work.leaseId} of run ${work.runId} is no longer held` };
}

function limitError(code: ErrorCode, slug: string, message: string): ErrorInfo {
  return create(ErrorInfoSchema, { code, name: "TenaxError", message: `[${slug}] ${message}` });
}

function protocolError(message: string): ErrorInfo {
  return limitError(ErrorCode.PROTOCOL, "protocol_error", message);
}
