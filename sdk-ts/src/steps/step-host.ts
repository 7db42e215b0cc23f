/**
 * What a step tool asks of the replay engine. Each tool (step.run today;
 * sleep, waitForEvent, invoke and sendEvent later) describes its step with a
 * StepRequest; the engine resolves it from the memo or records it as new.
 */
export interface StepRequest {
  /** The step id as the user wrote it. */
  id: string;
  /** Step kind as reported in `Op.step_type`, e.g. "step.run". */
  type: string;
  /** The step's body, executed inline when the engine decides to run the step. */
  run: () => unknown;
}

export interface StepHost {
  /**
   * Resolves with the memoized output (JSON-parsed) or rejects with a
   * StepError for a memoized failure. A step not in the memo is recorded and
   * its promise stays pending: the execution ends before it would settle.
   */
  handle(request: StepRequest): Promise<unknown>;
}
