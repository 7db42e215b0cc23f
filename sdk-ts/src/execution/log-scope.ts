import type { LogFields } from "../logger/logger.js";

/**
 * Decides for each call of the handler's logger whether it is emitted, and
 * with which fields, so that replays do not repeat log lines.
 *
 * Rule: outside steps, a line is muted while the handler is still replaying
 * (`replaying()`: this execution has not yet handed back every memo entry
 * and has not requested a step missing from the memo); afterwards it is
 * emitted with `{ runId, functionId, attempt }`. Inside the body of a
 * step.run this execution runs (between enterStep and exitStep), lines are
 * always emitted, with `{ runId, functionId, stepId, attempt }`.
 */
export interface LogScope {
  /** Fields for a log call made now, or undefined when it is muted. Same object while the scope lasts. */
  current(): LogFields | undefined;
  /** A step body starts running; `stepId` is the step id as written (with ":n" for repeats). */
  enterStep(stepId: string): void;
  /** The step body finished. */
  exitStep(): void;
}

export interface LogScopeOptions {
  runId: string;
  functionId: string;
  attempt: number;
  /** True while the handler is still replaying memoized steps (see ExecutionState.replaying). */
  replaying: () => boolean;
}

export function createLogScope(options: LogScopeOptions): LogScope {
  const { runId, functionId, attempt, replaying } = options;
  const runFields: LogFields = { runId, functionId, attempt };
  let stepFields: LogFields | undefined;
  return {
    current: () => stepFields ?? (replaying() ? undefined : runFields),
    enterStep(stepId) {
      stepFields = { runId, functionId, stepId, attempt };
    },
    exitStep() {
      stepFields = undefined;
    },
  };
}
