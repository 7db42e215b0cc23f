import type { TenaxEvent } from "../event/types.js";
import type { Handler } from "../function/types.js";
import { childLogger, type Logger } from "../logger/logger.js";
import { createStepTools } from "../steps/step-tools.js";
import { createExecutionState } from "./execution-state.js";
import { createMemo, type MemoEntryInput } from "./memo.js";
import { plannedOp, type ReportedOp } from "./ops.js";
import { runOutcomeOp, type HandlerOutcome } from "./run-outcome.js";
import { runStep } from "./run-step.js";
import { waitForDecision } from "./settle.js";

/** Everything one replay needs, independent of the transport. */
export interface ExecutionInput {
  runId: string;
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
  logger: Logger;
}

export interface ExecutableFunction {
  readonly id: string;
  readonly handler: Handler<any, unknown>;
}

/**
 * Replays the handler against the memo and returns the ops to report:
 * RUN_COMPLETE/RUN_ERROR when the handler settles, otherwise the outcome of
 * the one step run inline, or STEP_PLANNED for each new step.
 */
export async function executeFunction(fn: ExecutableFunction, input: ExecutionInput): Promise<ReportedOp[]> {
  const state = createExecutionState(createMemo(input.memo));
  const logger = childLogger(input.logger, { runId: input.runId, functionId: input.functionId, attempt: input.attempt });
  const ctx = {
    event: input.event,
    events: input.events,
    step: createStepTools(state),
    runId: input.runId,
    attempt: input.attempt,
    logger,
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

  if (outcome) {
    if (state.found.length > 0) {
      logger.warn("handler finished with steps it never awaited; they did not run", {
        steps: state.found.map((s) => s.userId),
      });
    }
    return [runOutcomeOp(outcome)];
  }

  const found = state.found;
  if (input.targetStepId) {
    const target = found.find((s) => s.hashedId === input.targetStepId);
    if (target) return [await runStep(target)];
    // The requested step is memoized already or no longer reached (code
    // changed): report what the handler does reach and let the executor decide.
    logger.warn("target step not reached in this replay; planning the steps found instead", {
      targetStepId: input.targetStepId,
    });
    return found.map(plannedOp);
  }
  if (found.length === 1 && !input.disableImmediateExecution) return [await runStep(found[0])];
  return found.map(plannedOp);
}
