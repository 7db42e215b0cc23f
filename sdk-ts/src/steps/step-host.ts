import type { StepOpOptions } from "./step-op.js";

interface StepRequestBase {
  /** The step id as the user wrote it. */
  id: string;
  /** Step kind as reported in `Op.step_type`, e.g. "step.run". */
  type: string;
  /**
   * Maps the memoized output (JSON-parsed) to what the tool returns, e.g.
   * `null` → `undefined` for a sleep. Must not throw. Default: unchanged.
   */
  decode?: (value: unknown) => unknown;
}

/** A step whose body the worker runs (step.run). */
export interface InlineStepRequest extends StepRequestBase {
  kind: "inline";
  /** The step's body, executed inline when the engine decides to run the step. */
  run: () => unknown;
}

/**
 * A step the executor carries out (sleep, waitForEvent, invoke, sendEvent):
 * a new one is reported as its own op and never runs in the worker.
 */
export interface OpStepRequest extends StepRequestBase {
  kind: "op";
  op: StepOpOptions;
}

/** How a step tool describes its step to the replay engine. */
export type StepRequest = InlineStepRequest | OpStepRequest;

/** What a step tool asks of the replay engine. */
export interface StepHost {
  /**
   * Resolves with the memoized output (decoded) or rejects with a StepError
   * for a memoized failure, in memo order (see the engine). A step not in the
   * memo is recorded and its promise stays pending: the execution ends before
   * it would settle.
   */
  handle(request: StepRequest): Promise<unknown>;
  /** The current time in ms since the epoch: turns durations into absolute op times. */
  now(): number;
  /** App id of the running function; "" when unknown. */
  readonly appId: string;
}
