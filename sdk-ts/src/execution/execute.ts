import { OpCode } from "@tenax/proto";
import type { TenaxEvent } from "../event/types.js";
import type { Handler } from "../function/types.js";
import type { Logger } from "../logger/logger.js";
import { createRunLogger } from "../logger/run-logger.js";
import { createStepTools } from "../steps/step-tools.js";
import { decideOps, type DecisionInput, type ExecutionReport } from "./decide-ops.js";
import { createExecutionState } from "./execution-state.js";
import { createLogScope } from "./log-scope.js";
import type { MemoEntryInput } from "./memo.js";
import type { HandlerOutcome } from "./run-outcome.js";
import { waitForDecision } from "./settle.js";

export type { ExecutionReport } from "./decide-ops.js";

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

/**
 * One run of the handler. It stops at each decision (see decideOps); after a
 * decision whose only op is STEP_RAN it can go on in place, which is what a
 * fresh replay over the memo plus that step's result would do, without
 * replaying the steps before it.
 */
export interface Execution {
  /** The handler context's `attempt`: a resumed execution keeps it, so resume only for this attempt. */
  readonly attempt: number;
  /** The first decision. */
  readonly report: Promise<ExecutionReport>;
  /**
   * True when the last decision's only op is STEP_RAN of the one step found,
   * the handler is still waiting for it, and no step call was rejected
   * meanwhile (see ExecutionState.diverged).
   */
  resumable(): boolean;
  /**
   * Settles that step with `entry` (its memoized result) as a memo hit would
   * and runs the handler to its next decision, which resolves the returned
   * promise. Undefined (nothing happens) when not resumable or `entry` is
   * another step's: replay instead.
   */
  resume(entry: MemoEntryInput, options?: Pick<DecisionInput, "shouldYield">): Promise<ExecutionReport> | undefined;
}

/** Creates an execution and starts the handler against the memo; `report` is its first decision. */
export function createExecution(fn: ExecutableFunction, input: ExecutionInput): Execution {
  const state = createExecutionState(input.memo, { now: input.now, appId: input.appId });
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
  let notifyDone: (() => void) | undefined;
  void Promise.resolve()
    .then(() => fn.handler(ctx))
    .then(
      (value) => void (outcome = { kind: "returned", value }),
      (error: unknown) => void (outcome = { kind: "threw", error }),
    )
    .then(() => notifyDone?.());
  // A fresh promise per decision: racing one that may never settle at every
  // decision of a long resumed execution would pile reactions onto it.
  const handlerDone = () => new Promise<void>((resolve) => (notifyDone = resolve));

  let ran = false;
  const decide = async (decision: DecisionInput): Promise<ExecutionReport> => {
    ran = false;
    await waitForDecision(state, handlerDone(), () => outcome !== undefined);
    state.close();
    const report = await decideOps(state, outcome, logScope, decision);
    const [op] = report.ops;
    ran = report.ops.length === 1 && op.code === OpCode.STEP_RAN && state.found.length === 1 && op.stepId === state.found[0].hashedId;
    return report;
  };
  const resumable = () => ran && outcome === undefined && !state.diverged();

  return {
    attempt: input.attempt,
    report: decide(input),
    resumable,
    resume(entry, options = {}) {
      if (!resumable() || !state.resume(entry)) return undefined;
      ran = false;
      return decide({ shouldYield: options.shouldYield });
    },
  };
}

/** Replays the handler against the memo and reports its first decision (see decideOps). */
export function executeFunction(fn: ExecutableFunction, input: ExecutionInput): Promise<ExecutionReport> {
  return createExecution(fn, input).report;
}
