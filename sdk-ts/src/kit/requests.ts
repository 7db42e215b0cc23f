import { ErrorCode, ErrorReason, OpCode, reasonErrorInfo } from "@tenax/proto";
import { executeFunction } from "../execution/execute.js";
import type { ReportedOp } from "../execution/ops.js";
import { instrumentHandler } from "./instrument.js";
import { readableOp } from "./readable-op.js";
import { enqueueDiscovery, finish, storeStep } from "./runs.js";
import { decode, ENDED, RETRY_SCHEDULE_MS, maxAttempts, mockFor, type Item, type Kit, type RunState, type StepResult } from "./state.js";
import { stepOps } from "./step-ops.js";

// Requests: the executor's role. One queued item is one execute request to the SDK's own replay
// engine; its ops are applied as the executor applies them.

export async function execute(k: Kit, item: Item): Promise<void> {
  const run = item.run;
  if (ENDED.has(run.status)) return;
  if (!item.own) {
    run.discoveryQueued = false;
    item.attempt = run.attempt;
  }
  run.status = "running";
  const request = run.requests++;
  const handler = instrumentHandler(run.fn.handler, { mockFor: (stepId, name) => mockFor(k, stepId, name) });
  const report = await executeFunction(
    { id: run.fn.id, handler },
    {
      runId: run.id,
      appId: run.appId,
      functionId: run.fn.id,
      attempt: item.attempt,
      maxAttempts: maxAttempts(run),
      event: run.event,
      events: [run.event],
      memo: [...run.memo],
      ...(item.target ? { targetStepId: item.target } : {}),
      disableImmediateExecution: run.planMode && !item.target,
      logger: k.logger,
      now: () => k.time.now(),
    },
  );
  for (const w of report.warnings) {
    k.logger.warn(w.message, { runId: run.id, functionId: run.fn.id, ...w.fields });
    run.warnings.push({ message: w.message, fields: { ...w.fields } });
  }
  for (const op of report.ops) {
    if (op.stepId) run.identities.set(op.stepId, { userId: op.userId ?? op.stepId, name: op.name || op.userId || op.stepId, type: op.stepType ?? "" });
    run.ops.push(readableOp(op, request, item.attempt));
  }
  if (ENDED.has(run.status)) return; // cancelled while the request ran
  applyOps(k, run, item, report.ops);
}

export function applyOps(k: Kit, run: RunState, item: Item, ops: ReportedOp[]): void {
  const [op] = ops;
  if (!op) return finish(k, run, "failed", undefined, reasonErrorInfo(ErrorCode.PROTOCOL, ErrorReason.PROTOCOL_ERROR, "result has no ops"));
  const final = (o: ReportedOp) => o.noRetry === true || item.attempt + 1 >= maxAttempts(run);
  if (ops.length === 1) {
    switch (op.code) {
      case OpCode.RUN_COMPLETE:
        return finish(k, run, "completed", decode(op.data));
      case OpCode.RUN_ERROR:
        return final(op) ? finish(k, run, "failed", undefined, op.error) : retry(k, run, item, op);
      case OpCode.STEP_RAN:
        return stepStored(k, run, item, op, { data: op.data ?? new Uint8Array() });
      case OpCode.STEP_ERROR:
      case OpCode.STEP_FAILED:
        if (op.code === OpCode.STEP_ERROR && !final(op)) return retry(k, run, item, op);
        return stepStored(k, run, item, op, { error: op.error ?? {} });
      case OpCode.YIELD:
        return enqueueDiscovery(k, run, true);
      case OpCode.STEP_PLANNED:
        if (!run.planMode) {
          // Continue with the step as the target, on the same item and attempt (PROTOCOL §6.4).
          if (item.own) k.queue.unshift({ ...item, target: op.stepId! });
          else {
            run.discoveryQueued = true;
            k.queue.unshift({ run, own: false, attempt: item.attempt, target: op.stepId! });
          }
          return;
        }
        break;
      default:
        break;
    }
  }
  stepOps(k, run, ops);
}

export function stepStored(k: Kit, run: RunState, item: Item, op: ReportedOp, result: StepResult): void {
  run.attempts.set(op.stepId!, item.attempt + 1);
  const stored = storeStep(k, run, op.stepId!, op, result);
  // A worker-reported step raises the wait floor (PROTOCOL §6.3) and resets the position's attempts.
  run.floor = k.seq;
  if (!item.own) run.attempt = 0;
  if (stored && run.crashAt(run.order.length)) k.pendingCrashes.push(run);
  enqueueDiscovery(k, run, !item.own);
}

export function retry(k: Kit, run: RunState, item: Item, op: ReportedOp): void {
  const now = k.time.now();
  const retryAt = op.retryAfterMs && op.retryAfterMs > 0n ? Math.min(Math.max(Number(op.retryAfterMs), now + 1_000), now + 86_400_000) : undefined;
  const at = retryAt ?? now + RETRY_SCHEDULE_MS[Math.min(item.attempt, RETRY_SCHEDULE_MS.length - 1)]!;
  if (op.stepId) run.attempts.set(op.stepId, item.attempt + 1);
  const next: Item = { ...item, attempt: item.attempt + 1 };
  if (!item.own) run.discoveryQueued = true;
  k.time.set({
    at,
    kind: "retry",
    runId: run.id,
    fire: () => {
      if (ENDED.has(run.status)) return;
      if (!item.own) run.attempt = next.attempt;
      // A retry is a new claim: the wait floor is the sequence now.
      run.floor = k.seq;
      k.queue.push(next);
    },
  });
}
