import type { ExecutionState, FoundStep } from "./execution-state.js";
import type { LogScope } from "./log-scope.js";
import { executorStepOp, plannedOp, yieldOp, type ReportedOp } from "./ops.js";
import { runOutcomeOp, type HandlerOutcome } from "./run-outcome.js";
import { runStep } from "./run-step.js";
import type { ExecutionWarning } from "./warnings.js";

/** What a decision reports: the ops, and warnings for the worker to log. */
export interface ExecutionReport {
  ops: ReportedOp[];
  warnings: ExecutionWarning[];
}

/** What the request asks of one decision (see ExecutionInput). */
export interface DecisionInput {
  targetStepId?: string;
  disableImmediateExecution?: boolean;
  shouldYield?: () => boolean;
}

/**
 * Decides the ops once the handler settled or stopped at new steps (the state
 * is closed): RUN_COMPLETE/RUN_ERROR when the handler settled; otherwise, for
 * the new steps it reached, the outcome of the one step.run run inline, or one
 * op per step (STEP_PLANNED for step.run, SLEEP / WAIT_FOR_EVENT /
 * INVOKE_FUNCTION / SEND_EVENT for the steps the executor carries out).
 * YIELD instead of running a step inline when `shouldYield` says so.
 */
export async function decideOps(
  state: ExecutionState,
  outcome: HandlerOutcome | undefined,
  logScope: LogScope,
  input: DecisionInput,
): Promise<ExecutionReport> {
  const warnings: ExecutionWarning[] = [];
  const found = state.found;
  // Stored results the handler skipped although it got past them: its steps
  // differ from the memo (code changed). A throw may come before them, so it
  // proves nothing.
  const ignored = state.unrequestedMemo();
  if (ignored.length > 0 && (found.length > 0 || outcome?.kind === "returned")) {
    warnings.push({
      message: "memoized steps were not called in this replay and are ignored; did the function's code change?",
      fields: { ignoredStepIds: ignored },
    });
  }

  if (outcome) {
    if (found.length > 0) {
      warnings.push({ message: "handler finished with steps it never awaited; they did not run", fields: { steps: found.map((s) => s.userId) } });
    }
    return { ops: [runOutcomeOp(outcome)], warnings };
  }

  if (input.targetStepId) {
    const target = found.find((s) => s.hashedId === input.targetStepId);
    if (target) return { ops: [await runOrReport(target, logScope)], warnings };
    // The requested step is memoized already or no longer reached (code
    // changed): report what the handler does reach and let the executor decide.
    warnings.push({
      message: "target step not reached in this replay; reporting the steps found instead",
      fields: { targetStepId: input.targetStepId },
    });
    return { ops: found.map(reportFound), warnings };
  }
  if (found.length === 1 && !input.disableImmediateExecution) {
    if (found[0].kind === "inline" && input.shouldYield?.()) return { ops: [yieldOp()], warnings };
    return { ops: [await runOrReport(found[0], logScope)], warnings };
  }
  return { ops: found.map(reportFound), warnings };
}

/** A step.run body runs inline (its log lines carry the step id); any other step is reported as its op. */
async function runOrReport(step: FoundStep, logScope: LogScope): Promise<ReportedOp> {
  if (step.kind !== "inline") return executorStepOp(step, step.op);
  logScope.enterStep(step.userId);
  try {
    return await runStep(step);
  } finally {
    logScope.exitStep();
  }
}

/** STEP_PLANNED for step.run (it runs in its own request), the step's own op otherwise. */
function reportFound(step: FoundStep): ReportedOp {
  return step.kind === "inline" ? plannedOp(step) : executorStepOp(step, step.op);
}
