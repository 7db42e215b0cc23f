import { create } from "@bufbuild/protobuf";
import { ExecutionResultSchema, OpCode, type ExecuteRequest, type LeaseExtended, type MemoEntry, type ResultAck } from "@tenax/proto";
import type { TenaxFunction } from "../function/create-function.js";
import type { Logger } from "../logger/logger.js";
import { createCheckpointBuffer, type CheckpointBuffer } from "./checkpoint-buffer.js";
import { checkpointSettings } from "./checkpoint-settings.js";
import { executeRequest, type ExecuteRequestOutcome, type RequestCheckpointing } from "./execute-request.js";
import type { MemoCache } from "./memo-cache.js";
import type { Semaphore } from "./semaphore.js";
import type { Session } from "./session.js";
import type { WarmExecutions } from "./warm-executions.js";
import type { SuspendedExecution } from "./warm-match.js";

export interface RequestRunnerOptions {
  functions: ReadonlyMap<string, TenaxFunction<any, any>>;
  semaphore: Semaphore;
  memoCache: MemoCache;
  /** Executions kept after a STEP_RAN, resumed by the run's next request (warm continuation). */
  warm: WarmExecutions;
  logger: Logger;
}

export interface RequestRunner {
  handleExecute(session: Session, request: ExecuteRequest): void;
  handleLeaseExtended(session: Session, message: LeaseExtended): void;
  /** Hands the ack of a checkpoint (`checkpoint_sequence` > 0) to its request. */
  handleCheckpointAck(session: Session, ack: ResultAck): void;
  /** The worker drains: checkpointed requests yield before their next step instead of running on. */
  drain(): void;
  /** Requests received and not finished (running or waiting for a slot). */
  inFlight(): number;
  /** Executions held suspended between requests (they hold no slot). */
  suspended(): number;
}

interface ActiveRequest {
  session: Session;
  request: ExecuteRequest;
  abandoned: boolean;
  /** The request's checkpoints, when it checkpoints. */
  checkpoints?: CheckpointBuffer;
  /** Its result was sent or dropped; only checkpoint acks may still come. */
  done: boolean;
}

// How long a finished request waits for the acks of its last checkpoints (INTERNAL → resend).
const CHECKPOINT_ACK_LINGER_MS = 30_000;

/**
 * Runs execute requests: ack, bounded execution, lease extension, result.
 * Under checkpointing (see executeRequest) a request also sends checkpoints:
 * the buffer is flushed before the result, so the executor persists the
 * steps first; a checkpoint the executor refuses abandons the request.
 * A discovery request whose result is one STEP_RAN leaves its execution
 * suspended (WarmExecutions); the run's next request resumes it when it is
 * exactly the continuation, so the handler is not replayed for each step.
 */
export function createRequestRunner(options: RequestRunnerOptions): RequestRunner {
  const { functions, semaphore, memoCache, warm, logger } = options;
  const active = new Map<string, ActiveRequest>();
  // Requests with checkpoints, kept past their result until every checkpoint is acked.
  const checkpointing = new Map<string, ActiveRequest>();
  let draining = false;

  const abandon = (entry: ActiveRequest, message: string, fields: Record<string, unknown> = {}) => {
    if (entry.abandoned) return;
    entry.abandoned = true;
    entry.checkpoints?.close();
    logger.warn(message, { requestId: entry.request.requestId, runId: entry.request.runId, ...fields });
  };

  /** Forgets the request's checkpoints once nothing more can come of them. */
  const settleCheckpoints = (entry: ActiveRequest) => {
    const buffer = entry.checkpoints;
    if (!buffer || !entry.done) return;
    if (!entry.abandoned && entry.session.isOpen() && buffer.unacked() > 0) return;
    buffer.close();
    if (checkpointing.get(entry.request.requestId) === entry) checkpointing.delete(entry.request.requestId);
  };

  const startCheckpointing = (entry: ActiveRequest): RequestCheckpointing | undefined => {
    const { session, request } = entry;
    const settings = checkpointSettings(request);
    if (!settings) return undefined;
    const buffer = createCheckpointBuffer({
      request: { requestId: request.requestId, leaseId: request.leaseId, runId: request.runId },
      settings,
      send: (checkpoint) => session.send({ case: "checkpoint", value: checkpoint }),
      onLost: (reason) => abandon(entry, "checkpoint not persisted; abandoning request", { reason }),
      logger,
    });
    entry.checkpoints = buffer;
    checkpointing.set(request.requestId, entry);
    return { buffer, maxRuntimeMs: settings.maxRuntimeMs };
  };

  const run = async (entry: ActiveRequest, memo: MemoEntry[], resume: SuspendedExecution | undefined) => {
    const { session, request } = entry;
    const lost = () => entry.abandoned || !session.isOpen();
    // A suspended execution holds no slot: it takes one again here, like any request.
    const release = await semaphore.acquire();
    let outcome: ExecuteRequestOutcome;
    try {
      // Lost while queued: the executor redelivers, so don't run the steps twice.
      if (lost()) return;
      outcome = await executeRequest({
        fn: functions.get(request.functionId),
        request,
        memo,
        logger,
        checkpointing: startCheckpointing(entry),
        lost,
        draining: () => draining,
        resume: resume?.execution,
      });
    } finally {
      release();
    }
    const { ops } = outcome;
    if (!ops || lost()) {
      // Checkpointed steps may not have been persisted: keep only what the executor sent.
      memoCache.remember(request, memo);
      logger.warn("dropping result: lease lost or stream closed; the executor will redeliver", {
        requestId: request.requestId,
        runId: request.runId,
      });
      return;
    }
    // Stream order: the executor persists the buffered steps before it reads the result.
    entry.checkpoints?.flush();
    const finished = ops.some((op) => op.code === OpCode.RUN_COMPLETE || (op.code === OpCode.RUN_ERROR && op.noRetry));
    if (finished) memoCache.forget(request.runId);
    else memoCache.remember(request, outcome.memo);
    // Kept before the result goes out, so the continuation it triggers finds it.
    const discovery = request.targetStepId === "" && !request.disableImmediateExecution;
    if (outcome.execution && discovery && !draining) {
      warm.keep({ session, request, execution: outcome.execution, memo: outcome.memo, step: ops[0] });
    }
    session.sendResult(create(ExecutionResultSchema, { requestId: request.requestId, leaseId: request.leaseId, runId: request.runId, ops }));
  };

  return {
    handleExecute(session, request) {
      const { requestId, leaseId } = request;
      session.send({ case: "ack", value: { requestId } });
      if (active.has(requestId)) return;
      // Any request of the run ends its suspended execution; only its continuation resumes it.
      const resume = warm.take(session, request);
      const events = memoCache.restoreEvents(request);
      const memo = !events ? undefined : resume ? resume.memo.concat(request.memo) : memoCache.complete(request);
      if (!memo) {
        // The executor answers with the request again, memo complete.
        session.send({ case: "memoFetch", value: { requestId } });
        return;
      }
      const entry: ActiveRequest = { session, request, abandoned: false, done: false };
      active.set(requestId, entry);
      const interval = session.settings()?.extendLeaseIntervalMs ?? 10_000;
      const leaseTimer = setInterval(() => {
        if (!entry.abandoned) session.send({ case: "extendLease", value: { requestId, leaseId } });
      }, interval);
      run(entry, memo, resume)
        .catch((err: unknown) => logger.error("request handling failed", { requestId, error: err }))
        .finally(() => {
          clearInterval(leaseTimer);
          if (active.get(requestId) === entry) active.delete(requestId);
          entry.done = true;
          settleCheckpoints(entry);
          if (checkpointing.get(requestId) === entry) {
            // Acks that never come must not keep the request forever.
            setTimeout(() => {
              entry.checkpoints?.close();
              if (checkpointing.get(requestId) === entry) checkpointing.delete(requestId);
            }, CHECKPOINT_ACK_LINGER_MS).unref();
          }
        });
    },
    handleLeaseExtended(session, message) {
      const entry = active.get(message.requestId);
      if (!entry || entry.session !== session || message.ok) return;
      abandon(entry, "lease lost; abandoning request");
    },
    handleCheckpointAck(session, ack) {
      const entry = checkpointing.get(ack.requestId);
      if (!entry || entry.session !== session) return;
      entry.checkpoints?.ack(ack);
      settleCheckpoints(entry);
    },
    drain() {
      draining = true;
      warm.clear();
    },
    inFlight: () => active.size,
    suspended: () => warm.size(),
  };
}
