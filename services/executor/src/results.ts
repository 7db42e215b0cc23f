import { errorInfoToJson, type Logger } from "@tenax/common";
import { limits } from "@tenax/engine";
import { ErrorCode, ErrorReason, OpCode, reasonErrorInfo, reasonErrorJson, type ErrorInfo, type ExecutionResult, type Op } from "@tenax/proto";
import {
  isDataException,
  leaseRelease,
  queueDrop,
  replaceUnstorable,
  runRetryLater,
  runSteps,
  stepSaveTargeted,
  type Database,
  type RunFinishParams,
  type SaveOutcome,
  type StepSaveParams,
  type DbClock,
} from "@tenax/state";
import { applyAsyncOps } from "./async-ops.js";
import { clampRetryAt, retryDelayMs } from "./backoff.js";
import {
  acked,
  fenced,
  heldRequest,
  memoReloaded,
  memoStale,
  resultStored,
  stepMemoized,
  stepTargeted,
  wentParallel,
  yielded,
  type Inflight,
} from "./inflight.js";
import { memoEntryFromStep } from "./memo.js";
import type { ExecutorConfig } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import type { GroupCommit } from "./group-commit.js";
import { outputProblem, storableError, unstorableStepField } from "./storable-result.js";
import type { ResultOutcome, WorkerSession } from "./session.js";

const utf8 = new TextDecoder();

export interface ResultDeps {
  database: Database;
  config: ExecutorConfig;
  dispatcher: Dispatcher;
  /** Step results and run ends, group-committed across runs. */
  steps: GroupCommit<StepSaveParams, SaveOutcome>;
  finishes: GroupCommit<RunFinishParams, boolean>;
  logger: Logger;
  isDraining: () => boolean;
  /** The database's clock: due times and leases are compared with it. */
  clock: DbClock;
}

export type { ResultOutcome };

/**
 * Persists a worker's result and decides what the run does next: continue on the same lease,
 * park until a timer, wait or parallel step resolves, retry later, or end. Every write is
 * fenced by the lease.
 */
export async function handleResult(deps: ResultDeps, session: WorkerSession, result: ExecutionResult): Promise<ResultOutcome> {
  const work = heldRequest(session.requests, result.requestId, result.leaseId);
  if (!work) {
    return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `request ${result.requestId} is not held by this connection` };
  }
  return failOnRefusal(deps, session, work, () => applyResult(deps, session, work, result.ops));
}

/**
 * Runs a write; if Postgres refuses one of its values, the run fails now: the worker's resend
 * would fail the same way forever.
 */
export async function failOnRefusal(deps: ResultDeps, session: WorkerSession, work: Inflight, write: () => Promise<ResultOutcome>): Promise<ResultOutcome> {
  try {
    return await write();
  } catch (err) {
    if (!isDataException(err)) throw err;
    deps.logger.warn("result refused by Postgres; the run fails", { runId: work.runId, err: String(err) });
    return failUnstorable(deps, session, work, replaceUnstorable(`the result could not be stored: ${(err as Error).message}`));
  }
}

/** Fails the run with a final `unstorable_value` error. */
export function failUnstorable(deps: ResultDeps, session: WorkerSession, work: Inflight, message: string): Promise<ResultOutcome> {
  return failRun(deps, session, work, ErrorCode.UNSTORABLE_VALUE, ErrorReason.UNSTORABLE_VALUE, message);
}

/** Ends the run as failed with an error Tenax itself causes. */
function failRun(deps: ResultDeps, session: WorkerSession, work: Inflight, code: ErrorCode, reason: ErrorReason, message: string): Promise<ResultOutcome> {
  return finish(deps, session, work, "failed", null, reasonErrorInfo(code, reason, message));
}

async function applyResult(deps: ResultDeps, session: WorkerSession, work: Inflight, ops: Op[]): Promise<ResultOutcome> {
  const op = ops[0];
  if (!op) return failRun(deps, session, work, ErrorCode.PROTOCOL, ErrorReason.PROTOCOL_ERROR, "result has no ops");
  for (const o of ops) {
    const bad = unstorableStepField(o);
    if (bad) return failUnstorable(deps, session, work, bad);
  }
  if (ops.length === 1) {
    switch (op.code) {
      case OpCode.STEP_RAN:
        return stepRan(deps, session, work, op);
      case OpCode.STEP_FAILED:
        return saveStep(deps, session, work, op, "failed", storableError(op.error) ?? null);
      case OpCode.STEP_ERROR:
        if (op.noRetry || work.attempt + 1 >= work.maxAttempts) return saveStep(deps, session, work, op, "failed", storableError(op.error) ?? null);
        return retryLater(deps, session, work, op);
      case OpCode.RUN_COMPLETE:
        if (op.data.length > limits.stepOutputMaxBytes) {
          return failRun(
            deps,
            session,
            work,
            ErrorCode.OUTPUT_TOO_LARGE,
            ErrorReason.OUTPUT_TOO_LARGE,
            `function output is ${op.data.length} bytes; the limit is ${limits.stepOutputMaxBytes} bytes (4 MiB)`,
          );
        }
        if (work.stateBytes + op.data.length > limits.runStateMaxBytes) {
          return failRun(
            deps,
            session,
            work,
            ErrorCode.STATE_TOO_LARGE,
            ErrorReason.STATE_TOO_LARGE,
            `run state with the function output would reach ${work.stateBytes + op.data.length} bytes; the limit is ${limits.runStateMaxBytes} bytes (32 MiB)`,
          );
        }
        return complete(deps, session, work, utf8.decode(op.data) || "null");
      case OpCode.RUN_ERROR:
        if (op.noRetry || work.attempt + 1 >= work.maxAttempts) return finish(deps, session, work, "failed", null, storableError(op.error) ?? null);
        return retryLater(deps, session, work, op);
      case OpCode.YIELD:
        // Checkpointing ran out of time: the next request carries the checkpointed steps.
        acked(session.requests, work);
        yielded(work);
        continueOrHandBack(deps, session, work);
        return { accepted: true };
      case OpCode.STEP_PLANNED:
        if (work.planMode) break; // queued as its own item below, like any parallel step
        // One step found but not run inline: run it on the same lease, targeted.
        acked(session.requests, work);
        stepTargeted(work, op.stepId);
        continueOrHandBack(deps, session, work);
        return { accepted: true };
      default:
        break;
    }
  }
  const unknown = ops.find((o) => !asyncCodes.has(o.code));
  if (unknown) {
    return failRun(
      deps,
      session,
      work,
      ErrorCode.PROTOCOL,
      ErrorReason.PROTOCOL_ERROR,
      `op ${OpCode[unknown.code] ?? unknown.code} cannot be combined with other ops`,
    );
  }
  // An async op must carry its own options and a step id: without them nothing would ever resume
  // the run (a SLEEP with no time parks it for good).
  const malformed = ops.find((o) => !o.stepId || (optsOf[o.code] !== undefined && o.opts.case !== optsOf[o.code]));
  if (malformed) {
    const what = malformed.stepId ? `has no ${optsOf[malformed.code]} options` : "has no step id";
    return failRun(deps, session, work, ErrorCode.PROTOCOL, ErrorReason.PROTOCOL_ERROR, `op ${OpCode[malformed.code]} ${what}`);
  }
  if (work.memo.length + ops.length > limits.stepsPerRun) return stepLimit(deps, session, work);
  const outcome = await applyAsyncOps(deps.database.sql, work, ops, { ...deps.config, now: deps.clock.now });
  if (outcome.kind === "fenced") fenced(session.requests, work);
  else acked(session.requests, work);
  if (ops.some((o) => o.code === OpCode.STEP_PLANNED)) wentParallel(work);
  switch (outcome.kind) {
    case "fenced":
      return lost(deps, work);
    case "ended":
      deps.dispatcher.pump();
      return { accepted: true };
    case "fail_run":
      return failRun(deps, session, work, ErrorCode.INVALID_EXPRESSION, outcome.reason, outcome.message);
    case "parked":
      deps.dispatcher.pump();
      return { accepted: true };
    case "continue":
      for (const s of outcome.stored) stepMemoized(work, s);
      resultStored(work, outcome);
      await syncMemo(deps, work, outcome.stepCount);
      continueOrHandBack(deps, session, work);
      return { accepted: true };
  }
}

const asyncCodes = new Set([OpCode.STEP_PLANNED, OpCode.SLEEP, OpCode.WAIT_FOR_EVENT, OpCode.INVOKE_FUNCTION, OpCode.SEND_EVENT]);
/** The options each async op must carry (STEP_PLANNED needs none). */
const optsOf: Partial<Record<OpCode, "sleep" | "waitForEvent" | "invoke" | "sendEvent">> = {
  [OpCode.SLEEP]: "sleep",
  [OpCode.WAIT_FOR_EVENT]: "waitForEvent",
  [OpCode.INVOKE_FUNCTION]: "invoke",
  [OpCode.SEND_EVENT]: "sendEvent",
};

function complete(deps: ResultDeps, session: WorkerSession, work: Inflight, output: string): Promise<ResultOutcome> {
  const problem = outputProblem(output);
  if (problem) return failRun(deps, session, work, ErrorCode.PROTOCOL, ErrorReason.INVALID_OUTPUT, `function output ${problem}`);
  return finish(deps, session, work, "completed", output, null);
}

function stepRan(deps: ResultDeps, session: WorkerSession, work: Inflight, op: Op): Promise<ResultOutcome> {
  if (op.data.length > limits.stepOutputMaxBytes) {
    const error = reasonErrorInfo(
      ErrorCode.OUTPUT_TOO_LARGE,
      ErrorReason.OUTPUT_TOO_LARGE,
      `step "${op.userId}" output is ${op.data.length} bytes; the limit is ${limits.stepOutputMaxBytes} bytes (4 MiB)`,
    );
    return saveStep(deps, session, work, op, "failed", error);
  }
  if (work.stateBytes + op.data.length > limits.runStateMaxBytes) {
    const error = reasonErrorInfo(
      ErrorCode.STATE_TOO_LARGE,
      ErrorReason.STATE_TOO_LARGE,
      `run state would reach ${work.stateBytes + op.data.length} bytes; the limit is ${limits.runStateMaxBytes} bytes (32 MiB)`,
    );
    return finish(deps, session, work, "failed", null, error);
  }
  const problem = outputProblem(utf8.decode(op.data));
  if (problem)
    return saveStep(
      deps,
      session,
      work,
      op,
      "failed",
      reasonErrorInfo(ErrorCode.PROTOCOL, ErrorReason.INVALID_OUTPUT, `step "${op.userId}" output ${problem}`),
    );
  return saveStep(deps, session, work, op, "completed", null);
}

async function saveStep(
  deps: ResultDeps,
  session: WorkerSession,
  work: Inflight,
  op: Op,
  status: "completed" | "failed",
  error: ErrorInfo | null,
): Promise<ResultOutcome> {
  if (work.memo.length >= limits.stepsPerRun) return stepLimit(deps, session, work);
  const params = {
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
  };
  if (work.itemTarget) {
    // A parallel step's own item: it ends here; the run's next discovery is queued.
    const saved = await stepSaveTargeted(deps.database.sql, params);
    if (saved.kind === "fenced") fenced(session.requests, work);
    else acked(session.requests, work);
    deps.dispatcher.pump();
    return saved.kind === "fenced" ? lost(deps, work) : { accepted: true };
  }
  const saved = await deps.steps.write({ ...params, leaseMs: deps.config.leaseMs });
  if (saved.kind === "fenced") {
    fenced(session.requests, work);
    return lost(deps, work);
  }
  acked(session.requests, work);
  if (saved.kind === "stored" && saved.runEnded) {
    // Cancelled while the step ran: its result is stored, nothing is scheduled after it.
    await queueDrop(deps.database.sql, work);
    deps.logger.info("run ended while a step ran; step stored, nothing scheduled", { runId: work.runId, functionId: work.functionId, stepId: op.userId });
    deps.dispatcher.pump();
    return { accepted: true };
  }
  if (saved.kind === "stored") {
    stepMemoized(work, params);
    resultStored(work, saved);
    await syncMemo(deps, work, saved.stepCount);
  } else {
    // Stored before (e.g. the commit succeeded but its reply was lost): the stored result is
    // the one that counts. Reload the memo so the worker gets it and never runs the step again.
    resultStored(work, saved);
    if (!work.memo.some((m) => m.stepId === op.stepId)) await reloadMemo(deps, work);
  }
  continueOrHandBack(deps, session, work);
  return { accepted: true };
}

/**
 * Other processes may have memoized steps of this run meanwhile (a parallel step, a fired
 * sleep): when the stored count differs from what we hold, reload the memo in stored order.
 */
export async function syncMemo(deps: ResultDeps, work: Inflight, stepCount: number): Promise<void> {
  if (memoStale(work, stepCount)) await reloadMemo(deps, work);
}

async function reloadMemo(deps: ResultDeps, work: Inflight): Promise<void> {
  const steps = await runSteps(deps.database.sql, work.runId);
  memoReloaded(work, steps.map(memoEntryFromStep));
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
  deps.dispatcher.send(session, work);
}

async function retryLater(deps: ResultDeps, session: WorkerSession, work: Inflight, op: Op): Promise<ResultOutcome> {
  const now = deps.clock.now();
  const dueAtMs = op.retryAfterMs > 0n ? clampRetryAt(Number(op.retryAfterMs), now) : now + retryDelayMs(work.attempt, deps.config.retryBackoffScale);
  const ok = await runRetryLater(deps.database.sql, {
    runId: work.runId,
    leaseId: work.leaseId,
    attempt: work.attempt + 1,
    dueAtMs,
    targetStepId: work.itemTarget || work.targetStepId,
  });
  if (ok) acked(session.requests, work);
  else fenced(session.requests, work);
  deps.dispatcher.pump();
  return ok ? { accepted: true } : lost(deps, work);
}

async function finish(
  deps: ResultDeps,
  session: WorkerSession,
  work: Inflight,
  status: "completed" | "failed",
  output: string | null,
  error: ErrorInfo | null,
): Promise<ResultOutcome> {
  const parentError =
    status === "failed"
      ? reasonErrorJson(
          ErrorCode.STEP_FAILED,
          ErrorReason.INVOKE_FAILED,
          `the invoked run ${work.runId} of "${work.functionId}" failed: ${error?.message ?? "unknown error"}`,
          "InvokeError",
        )
      : null;
  const ok = await deps.finishes.write({ runId: work.runId, leaseId: work.leaseId, status, output, error: error ? errorInfoToJson(error) : null, parentError });
  if (ok) acked(session.requests, work);
  else fenced(session.requests, work);
  deps.dispatcher.pump();
  return ok ? { accepted: true } : lost(deps, work);
}

export function stepLimit(deps: ResultDeps, session: WorkerSession, work: Inflight): Promise<ResultOutcome> {
  return failRun(
    deps,
    session,
    work,
    ErrorCode.STEP_LIMIT_EXCEEDED,
    ErrorReason.STEP_LIMIT_EXCEEDED,
    `run has ${work.memo.length} steps; the limit is ${limits.stepsPerRun}`,
  );
}

function lost(deps: ResultDeps, work: Inflight): ResultOutcome {
  deps.logger.warn("result fenced off: lease no longer held", { runId: work.runId, leaseId: work.leaseId });
  return { accepted: false, code: ErrorCode.LEASE_EXPIRED, message: `lease ${work.leaseId} of run ${work.runId} is no longer held` };
}
