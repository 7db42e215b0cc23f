import type { TenaxEvent } from "../event/types.js";
import type { Handler } from "../function/types.js";
import type { Logger } from "../logger/logger.js";
import { createRunLogger } from "../logger/run-logger.js";
import { createStepTools } from "../steps/step-tools.js";
import { createExecutionState, type FoundStep } from "./execution-state.js";
import { createLogScope, type LogScope } from "./log-scope.js";
import { createMemo, type MemoEntryInput } from "./memo.js";
import { executorStepOp, plannedOp, yieldOp, type ReportedOp } from "./ops.js";
import { runOutcomeOp, type HandlerOutcome } from "./run-outcome.js";
import { runStep } from "./run-step.js";
import { waitForDecision } from "./settle.js";
import type { ExecutionWarning } from "./warnings.js";

/** Everything one replay needs, independent of the transport. */
export interface ExecutionInput {
  runId: string;
  /** App id of the function; step.invoke leaves `app_id` empty for functions of this app. */
  appId?: string;
  functionId: string;
  /** 0-based attempt. */
  attempt: number;
  maxAttempts: number;
  event: TenaxEvent;
  events: TenaxEvent[];
  /** The run's full memo, in stored order. */
  memo: readonly MemoEntryInput[];
  /** When set, run only this step (hashed id). */
  targetStepId?: string;
  /** Report new steps as STEP_PLANNED instead of running one inline. */
  disableImmediateExecution?: boolean;
  /**
   * The app's logger. The handler's `ctx.logger` wraps it: run fields added,
   * lines muted while replaying (see LogScope).
   */
  logger: Logger;
  /** Clock for absolute op times (sleep, timeouts). Default Date.now. */
  now?: () => number;
  /**
   * Asked (once) when the replay would run a new step.run body inline
   * without a target: true reports YIELD instead, and the body does not
   * run. The worker uses it to end a checkpointed request (max runtime,
   * draining). Default: never yield.
   */
  shouldYield?: () => boolean;
}

export interface ExecutableFunction {
  readonly id: string;
  readonly handler: Handler<any, unknown>;
}

/** What a replay decided: the ops to report, and warnings for the worker to log. */
export interface ExecutionReport {
  ops: ReportedOp[];
  warnings: ExecutionWarning[];
}

/**
 * Replays the handler against the memo and decides the ops to report:
 * RUN_COMPLETE/RUN_ERROR when the handler settles; otherwise, for the new
 * steps it reached, the outcome of the one step.run run inline, or one op per
 * step (STEP_PLANNED for step.run, SLEEP / WAIT_FOR_EVENT / INVOKE_FUNCTION /
 * SEND_EVENT for the steps the executor carries out). YIELD instead of
 * running a step inline when `shouldYield` says so.
 */
export async function executeFunction(fn: ExecutableFunction, input: ExecutionInput): Promise<ExecutionReport> {
  const state = createExecutionState(createMemo(input.memo), { now: input.now, appId: input.appId });
  const logScope = createLogScope({ runId: input.runId, functionId: input.functionId, attempt: input.attempt, replaying: state.replaying });
  const ctx = {
    event: input.event,
    events: input.events,
    step: createStepTools(state),
    runId: input.runId,
    attempt: input.attempt,
    logger: createRunLogger(input.logger, logScope.current),
  };

  let outcome: HandlerOutcome | undefined;
  const handlerDone = Promise.resolve()
    .then(() => fn.handler(ctx))
    .then(
      (value) => void (outcome = { kind: "returned", value }),
      (error: unknown) => void (outcome = { kind: "threw", error }),
    );
  await waitForDecision(state, handlerDone, () => outcome !== undefined);
  state.close();

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
