import { create } from "@bufbuild/protobuf";
import { MemoEntrySchema, OpCode, type ExecuteRequest, type MemoEntry } from "@tenax/proto";
import { serializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { createExecution, type ExecutableFunction, type Execution } from "../execution/execute.js";
import { fromExecuteRequest } from "../execution/from-execute-request.js";
import type { MemoEntryInput } from "../execution/memo.js";
import type { ReportedOp } from "../execution/ops.js";
import type { ExecutionWarning } from "../execution/warnings.js";
import type { Logger } from "../logger/logger.js";
import type { CheckpointBuffer } from "./checkpoint-buffer.js";

/** Steps larger than this are stored as failed by the executor, so they are never continued locally. */
export const MAX_STEP_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Checkpointing of one request: where step results go, and when to stop. */
export interface RequestCheckpointing {
  buffer: CheckpointBuffer;
  /** Yield before a further step once the request ran this long. */
  maxRuntimeMs: number;
}

export interface ExecuteRequestOptions {
  /** The function named by the request, or undefined when this worker doesn't serve it. */
  fn: ExecutableFunction | undefined;
  request: ExecuteRequest;
  /** The request's complete memo. */
  memo: readonly MemoEntry[];
  logger: Logger;
  /** Set when the request checkpoints (see checkpointSettings); otherwise one replay. */
  checkpointing?: RequestCheckpointing;
  /** True once the request is lost (lease, stream): no further replay starts. */
  lost(): boolean;
  /** True while the worker drains: a checkpointed request yields before its next step. */
  draining(): boolean;
  /** Clock of the max-runtime check. Default Date.now. */
  now?: () => number;
  /**
   * A suspended execution of this run for `request.attempt` whose STEP_RAN is
   * the memo's last entry (see isWarmContinuation): resumed from that step
   * instead of replaying the handler. Replays if it cannot be resumed.
   */
  resume?: Execution;
}

export interface ExecuteRequestOutcome {
  /** Ops of the request's `result`; undefined when the request was lost meanwhile (send nothing). */
  ops?: ReportedOp[];
  /** The memo the worker holds now: the request's, plus the steps checkpointed in this request. */
  memo: MemoEntry[];
  /** The execution, when `ops` is one STEP_RAN it can be resumed from (Execution.resume). */
  execution?: Execution;
}

/**
 * Executes one request. Without checkpointing: one decision, whose ops are
 * the result. With checkpointing, as long as a decision is exactly one
 * STEP_RAN (a step.run ran inline) of at most 4 MiB, its op goes to the
 * checkpoint buffer, its memo entry is appended, and the handler goes on to
 * the next step, so it runs without a round trip: in place (Execution.resume)
 * when the handler's `attempt` is already 0, else by a fresh replay.
 * Decisions after the first see `attempt` 0 (each step has its own attempt
 * counter) and yield (YIELD op) instead of starting a further step once
 * `maxRuntimeMs` has passed since the request started or the worker drains.
 * Any other outcome ends the loop; flushing the buffer before sending it is
 * the caller's job. Warnings are logged once per request.
 */
export async function executeRequest(options: ExecuteRequestOptions): Promise<ExecuteRequestOutcome> {
  const { fn, request, logger, checkpointing } = options;
  const memo = [...options.memo];
  if (!fn) {
    // Retriable: another worker of the app may serve it.
    const error = new TenaxError("function_not_found", `this worker does not serve function "${request.functionId}"`);
    return { ops: [{ code: OpCode.RUN_ERROR, error: serializeError(error) }], memo };
  }
  const now = options.now ?? Date.now;
  const startedAt = now();
  const logWarnings = warningLogger(request, logger);
  let execution = options.resume;
  // The step to resume `execution` from: the memo's last entry when one was handed in.
  let resumeFrom: MemoEntryInput | undefined = execution ? lastEntry(memo) : undefined;

  for (let decision = 0; ; decision++) {
    const attempt = decision === 0 ? request.attempt : 0;
    // The request's first step always runs, so a request makes progress however slow its replay.
    const shouldYield = checkpointing && decision > 0 ? () => options.draining() || now() - startedAt >= checkpointing.maxRuntimeMs : undefined;
    let ops: ReportedOp[];
    try {
      let report = resumeFrom && execution?.attempt === attempt ? execution.resume(resumeFrom, { shouldYield }) : undefined;
      if (!report) {
        execution = createExecution(fn, { ...fromExecuteRequest(request, memo, logger), attempt, shouldYield });
        report = execution.report;
      }
      const { ops: decided, warnings } = await report;
      logWarnings(warnings, attempt);
      ops = decided;
    } catch (err) {
      execution = undefined;
      ops = [internalError(request, logger, err)];
    }
    if (options.lost()) return { memo };
    const ran = continuable(ops);
    if (!ran || !checkpointing) return { ops, memo, execution: ran && execution?.resumable() ? execution : undefined };
    const data = ran.data ?? new Uint8Array();
    memo.push(create(MemoEntrySchema, { stepId: ran.stepId, result: { case: "data", value: data } }));
    resumeFrom = { stepId: ran.stepId!, data };
    checkpointing.buffer.add(ran);
  }
}

/** The STEP_RAN op of an outcome the run can go on from in this worker, if it is one. */
function continuable(ops: ReportedOp[]): ReportedOp | undefined {
  if (ops.length !== 1) return undefined;
  const [op] = ops;
  if (op.code !== OpCode.STEP_RAN || !op.stepId) return undefined;
  // The executor fails an oversized step instead of storing it: let it, through a normal result.
  return (op.data?.length ?? 0) <= MAX_STEP_OUTPUT_BYTES ? op : undefined;
}

function lastEntry(memo: readonly MemoEntry[]): MemoEntryInput | undefined {
  const entry = memo.at(-1);
  return entry?.result.case === "data" ? { stepId: entry.stepId, data: entry.result.value } : undefined;
}

/** The engine catches user errors itself, so this is an SDK bug: let the run retry. */
function internalError(request: ExecuteRequest, logger: Logger, err: unknown): ReportedOp {
  logger.error("execution failed inside the SDK", { runId: request.runId, error: err });
  const error = new TenaxError("internal", "the SDK failed to execute the request", { cause: err });
  return { code: OpCode.RUN_ERROR, error: serializeError(error) };
}

/** Logs the engine's warnings (it is pure), each distinct one once per request: replays repeat them. */
function warningLogger(request: ExecuteRequest, logger: Logger) {
  const seen = new Set<string>();
  return (warnings: ExecutionWarning[], attempt: number) => {
    for (const warning of warnings) {
      const key = `${warning.message}\u0000${JSON.stringify(warning.fields)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      logger.warn(warning.message, { runId: request.runId, functionId: request.functionId, attempt, ...warning.fields });
    }
  };
}
