import { create } from "@bufbuild/protobuf";
import { MemoEntrySchema, OpCode, type ExecuteRequest, type MemoEntry } from "@tenax/proto";
import { serializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { executeFunction, type ExecutableFunction, type ExecutionInput } from "../execution/execute.js";
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
}

export interface ExecuteRequestOutcome {
  /** Ops of the request's `result`; undefined when the request was lost meanwhile (send nothing). */
  ops?: ReportedOp[];
  /** The memo the worker holds now: the request's, plus the steps checkpointed in this request. */
  memo: MemoEntry[];
}

/**
 * Executes one request. Without checkpointing: one replay, whose ops are the
 * result. With checkpointing, as long as a replay's outcome is exactly one
 * STEP_RAN (a step.run ran inline) of at most 4 MiB, its op goes to the
 * checkpoint buffer, its memo entry is appended, and the handler is replayed
 * again, so the next step runs without a round trip. Replays after the first
 * see `attempt` 0 (each step has its own attempt counter) and yield (YIELD
 * op) instead of starting a further step once `maxRuntimeMs` has passed
 * since the request started or the worker drains. Any other outcome ends the
 * loop; flushing the buffer before sending it is the caller's job.
 * Warnings are logged once per request.
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
  const base = fromExecuteRequest(request, memo, logger);
  const memoInput: MemoEntryInput[] = [...base.memo];
  const logWarnings = warningLogger(request, logger);

  for (let replay = 0; ; replay++) {
    const input: ExecutionInput = { ...base, memo: memoInput, attempt: replay === 0 ? request.attempt : 0 };
    // The request's first step always runs, so a request makes progress however slow its replay.
    if (checkpointing && replay > 0) input.shouldYield = () => options.draining() || now() - startedAt >= checkpointing.maxRuntimeMs;
    const ops = await replayOnce(fn, input, request, logger, logWarnings);
    if (options.lost()) return { memo };
    const ran = checkpointing ? continuable(ops) : undefined;
    if (!ran) return { ops, memo };
    const data = ran.data ?? new Uint8Array();
    memo.push(create(MemoEntrySchema, { stepId: ran.stepId, result: { case: "data", value: data } }));
    memoInput.push({ stepId: ran.stepId!, data });
    checkpointing!.buffer.add(ran);
  }
}

/** The STEP_RAN op of an outcome that lets the request go on under checkpointing, if it is one. */
function continuable(ops: ReportedOp[]): ReportedOp | undefined {
  if (ops.length !== 1) return undefined;
  const [op] = ops;
  if (op.code !== OpCode.STEP_RAN || !op.stepId) return undefined;
  // The executor fails an oversized step instead of storing it: let it, through a normal result.
  return (op.data?.length ?? 0) <= MAX_STEP_OUTPUT_BYTES ? op : undefined;
}

async function replayOnce(
  fn: ExecutableFunction,
  input: ExecutionInput,
  request: ExecuteRequest,
  logger: Logger,
  logWarnings: (warnings: ExecutionWarning[], attempt: number) => void,
): Promise<ReportedOp[]> {
  try {
    const report = await executeFunction(fn, input);
    logWarnings(report.warnings, input.attempt);
    return report.ops;
  } catch (err) {
    // The engine catches user errors itself; this is an SDK bug, so let the run retry.
    logger.error("execution failed inside the SDK", { runId: request.runId, error: err });
    const error = new TenaxError("internal", "the SDK failed to execute the request", { cause: err });
    return [{ code: OpCode.RUN_ERROR, error: serializeError(error) }];
  }
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
