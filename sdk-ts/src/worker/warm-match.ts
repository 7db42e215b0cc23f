import type { ExecuteRequest, MemoEntry } from "@tenax/proto";
import type { Execution } from "../execution/execute.js";
import type { ReportedOp } from "../execution/ops.js";
import type { Session } from "./session.js";

/**
 * An execution kept after its request reported one STEP_RAN: the handler is
 * paused awaiting that step, ready to go on once the executor stored it.
 */
export interface SuspendedExecution {
  /** The stream the request came on; a continuation comes on the same one. */
  session: Session;
  /** The request that ran the step. */
  request: ExecuteRequest;
  execution: Execution;
  /** The complete memo of that request: what the worker holds for the run. */
  memo: MemoEntry[];
  /** The STEP_RAN op reported. */
  step: ReportedOp;
}

/**
 * Whether `request` is exactly the continuation the executor sends once it
 * stored the step (PROTOCOL.md §5.8, §6.1): same stream, run, lease, function
 * version and attempt (the handler's context holds it), a discovery request
 * that may run a step inline, and a memo that is the held one plus exactly
 * the reported step with byte-identical data. Only then does resuming the
 * suspended handler do what a replay over that memo would. Anything else
 * (a reloaded or resent memo, another lease or attempt, a failed or missing
 * step) replays.
 */
export function isWarmContinuation(held: SuspendedExecution, session: Session, request: ExecuteRequest): boolean {
  const before = held.request;
  if (held.session !== session || !session.isOpen()) return false;
  if (request.runId !== before.runId || request.leaseId !== before.leaseId) return false;
  if (request.appId !== before.appId || request.functionId !== before.functionId || request.functionVersion !== before.functionVersion) return false;
  if (request.targetStepId !== "" || request.disableImmediateExecution) return false;
  if (request.attempt !== held.execution.attempt) return false;
  // After a first request with an empty memo the executor sends the continuation whole
  // (memo_offset 0, memo [step]): the same memo as a delta from 0, so it matches too.
  if (request.memoOffset !== held.memo.length || request.memo.length !== 1) return false;
  const [entry] = request.memo;
  if (entry.stepId !== held.step.stepId || entry.result.case !== "data") return false;
  return bytesEqual(entry.result.value, held.step.data ?? new Uint8Array());
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
