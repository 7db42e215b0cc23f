import { create } from "@bufbuild/protobuf";
import { ExecutionResultSchema, OpCode, type ExecuteRequest, type LeaseExtended, type MemoEntry } from "@tenax/proto";
import { serializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { executeFunction } from "../execution/execute.js";
import { fromExecuteRequest } from "../execution/from-execute-request.js";
import type { ReportedOp } from "../execution/ops.js";
import type { TenaxFunction } from "../function/create-function.js";
import type { Logger } from "../logger/logger.js";
import type { MemoCache } from "./memo-cache.js";
import type { Semaphore } from "./semaphore.js";
import type { Session } from "./session.js";

export interface RequestRunnerOptions {
  functions: ReadonlyMap<string, TenaxFunction<any, any>>;
  semaphore: Semaphore;
  memoCache: MemoCache;
  logger: Logger;
}

export interface RequestRunner {
  handleExecute(session: Session, request: ExecuteRequest): void;
  handleLeaseExtended(session: Session, message: LeaseExtended): void;
  /** Requests received and not finished (running or waiting for a slot). */
  inFlight(): number;
}

interface ActiveRequest {
  session: Session;
  request: ExecuteRequest;
  abandoned: boolean;
}

/** Runs execute requests: ack, bounded execution, lease extension, result. */
export function createRequestRunner(options: RequestRunnerOptions): RequestRunner {
  const { functions, semaphore, memoCache, logger } = options;
  const active = new Map<string, ActiveRequest>();

  const execute = async (request: ExecuteRequest, memo: MemoEntry[]): Promise<ReportedOp[]> => {
    const fn = functions.get(request.functionId);
    if (!fn) {
      // Retriable: another worker of the app may serve it.
      const error = new TenaxError("function_not_found", `this worker does not serve function "${request.functionId}"`);
      return [{ code: OpCode.RUN_ERROR, error: serializeError(error) }];
    }
    try {
      const report = await executeFunction(fn, fromExecuteRequest(request, memo, logger));
      // The engine is pure; its warnings (e.g. determinism) are logged here.
      const run = { runId: request.runId, functionId: request.functionId, attempt: request.attempt };
      for (const warning of report.warnings) logger.warn(warning.message, { ...run, ...warning.fields });
      return report.ops;
    } catch (err) {
      // The engine catches user errors itself; this is an SDK bug, so let the run retry.
      logger.error("execution failed inside the SDK", { runId: request.runId, error: err });
      const error = new TenaxError("internal", "the SDK failed to execute the request", { cause: err });
      return [{ code: OpCode.RUN_ERROR, error: serializeError(error) }];
    }
  };

  const run = async (entry: ActiveRequest, memo: MemoEntry[]) => {
    const { session, request } = entry;
    const release = await semaphore.acquire();
    let ops: ReportedOp[];
    try {
      // Lost while queued: the executor redelivers, so don't run the steps twice.
      if (entry.abandoned || !session.isOpen()) return;
      ops = await execute(request, memo);
    } finally {
      release();
    }
    const finished = ops.some((op) => op.code === OpCode.RUN_COMPLETE || (op.code === OpCode.RUN_ERROR && op.noRetry));
    if (finished) memoCache.forget(request.runId);
    else memoCache.remember(request.runId, memo);
    if (entry.abandoned || !session.isOpen()) {
      logger.warn("dropping result: lease lost or stream closed; the executor will redeliver", {
        requestId: request.requestId,
        runId: request.runId,
      });
      return;
    }
    session.sendResult(create(ExecutionResultSchema, { requestId: request.requestId, leaseId: request.leaseId, runId: request.runId, ops }));
  };

  return {
    handleExecute(session, request) {
      const { requestId, leaseId } = request;
      session.send({ case: "ack", value: { requestId } });
      if (active.has(requestId)) return;
      const memo = memoCache.complete(request);
      if (!memo) {
        // The executor answers with the request again, memo complete.
        session.send({ case: "memoFetch", value: { requestId } });
        return;
      }
      const entry: ActiveRequest = { session, request, abandoned: false };
      active.set(requestId, entry);
      const interval = session.settings()?.extendLeaseIntervalMs ?? 10_000;
      const leaseTimer = setInterval(() => {
        if (!entry.abandoned) session.send({ case: "extendLease", value: { requestId, leaseId } });
      }, interval);
      run(entry, memo)
        .catch((err: unknown) => logger.error("request handling failed", { requestId, error: err }))
        .finally(() => {
          clearInterval(leaseTimer);
          if (active.get(requestId) === entry) active.delete(requestId);
        });
    },
    handleLeaseExtended(session, message) {
      const entry = active.get(message.requestId);
      if (!entry || entry.session !== session || message.ok) return;
      entry.abandoned = true;
      logger.warn("lease lost; abandoning request", { requestId: message.requestId, runId: entry.request.runId });
    },
    inFlight: () => active.size,
  };
}
