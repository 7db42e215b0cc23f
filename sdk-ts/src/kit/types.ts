import type { TenaxEvent } from "../event/types.js";
import type { TenaxFunction } from "../function/create-function.js";
import type { Jsonify } from "../json/jsonify.js";
import type { RunStatus } from "../runs/run.js";

/** The output type of a function, as a run returns it (after the JSON round trip). */
export type OutputOf<F> = F extends TenaxFunction<any, infer R> ? Jsonify<Awaited<R>> : unknown;

/** A step the run stored, in stored order. */
export interface TestStep {
  /** The step id with its counter: `"charge"`, `"charge:1"` for a repeat. */
  id: string;
  /** The id as written. */
  name: string;
  /** SHA-1 of `id`: the id on the wire and in storage. */
  hashedId: string;
  /** `"step.run"`, `"step.sleep"`, `"step.waitForEvent"`, … */
  type: string;
  status: "completed" | "failed";
  /** The stored output (parsed JSON) of a completed step. */
  output?: unknown;
  /** The stored error of a failed step (deserialized: name, message, cause, own properties). */
  error?: Error;
  /** How many attempts the step took (1 = first try). */
  attempts: number;
}

/** One op the replay engine reported, readable: what the worker would send the executor. */
export interface TestOp {
  /** The request it answered: 0, 1, … per run. */
  request: number;
  /** The request's attempt. */
  attempt: number;
  /** `"STEP_RAN"`, `"STEP_ERROR"`, `"STEP_FAILED"`, `"STEP_PLANNED"`, `"SLEEP"`, `"WAIT_FOR_EVENT"`, `"INVOKE_FUNCTION"`, `"SEND_EVENT"`, `"RUN_COMPLETE"`, `"RUN_ERROR"`. */
  code: string;
  /** The step id with its counter (step ops). */
  stepId?: string;
  /** `"step.run"`, … (step ops). */
  stepType?: string;
  /** The output (parsed JSON) of STEP_RAN and RUN_COMPLETE. */
  output?: unknown;
  /** The error of STEP_ERROR, STEP_FAILED and RUN_ERROR. */
  error?: Error;
  /** True when the error is final (no retry). */
  noRetry?: boolean;
  /** Earliest retry (ms since the epoch) a RetryAfterError asked for. */
  retryAt?: number;
  /** SLEEP: wake time (ms since the epoch). */
  until?: number;
  /** WAIT_FOR_EVENT: what it waits for. */
  wait?: { event: string; timeoutAt: number; if?: string; match?: string };
  /** INVOKE_FUNCTION: the child function and its data. */
  invoke?: { functionId: string; appId?: string; data: unknown; timeoutAt?: number };
  /** SEND_EVENT: the events' names and data. */
  events?: Array<{ name: string; data: unknown; id?: string }>;
}

/** A crash the kit injected: the run stopped after a stored step and resumed from its memo. */
export interface TestCrash {
  /** The number of stored steps when it crashed (1 = after the first). */
  afterStep: number;
  /** The step ids the handler called when replayed over that memo. */
  replayedSteps: string[];
}

/** The first difference between two replays of the same memo (see NonDeterminismError). */
export interface NonDeterminism {
  /** The number of stored steps in the memo both replays used. */
  afterStep: number;
  /** Index of the first step call that differs (0-based, in call order). */
  index: number;
  /** The step id the first replay called there (undefined: it called no more steps). */
  first?: string;
  /** The step id the second replay called there. */
  second?: string;
}

/** A run's state, as the kit holds it. */
export interface TestRunResult<TOutput = unknown> {
  runId: string;
  functionId: string;
  status: RunStatus;
  /** The triggering event. */
  event: TenaxEvent;
  /** The output of a completed run. */
  output?: TOutput;
  /** The error of a failed run (deserialized), or why it was cancelled. */
  error?: Error;
  /** Stored steps, in stored order. */
  steps: TestStep[];
  /** Every op the replay engine reported, in order. */
  ops: TestOp[];
  /** What the worker would log as warnings (e.g. memoized steps no longer called). */
  warnings: Array<{ message: string; fields: Record<string, unknown> }>;
  /** The crashes injected into this run. */
  crashes: TestCrash[];
  /** Set when two replays of one memo called different steps. */
  nondeterminism?: NonDeterminism;
}

/** Options of `t.run` and `t.start`. */
export interface TestRunOptions {
  /**
   * Crash injection: after this many stored steps (one number, several, or `"every"` step), the
   * kit stops the run and resumes it from its memo, replaying the handler twice over that memo
   * without running any step body. If the two replays call different step ids (code outside steps
   * is not deterministic), `t.run` rejects with a NonDeterminismError naming the first difference.
   */
  crashAfterStep?: number | number[] | "every";
  /** The run's id. Default: `run-1`, `run-2`, … */
  runId?: string;
}

/** Raised by `t.run` (and `run.result()`) when a handler is not replay-safe. */
export class NonDeterminismError extends Error {
  readonly difference: NonDeterminism;
  readonly runId: string;

  constructor(runId: string, difference: NonDeterminism) {
    const show = (id: string | undefined) => (id === undefined ? "no further step" : `"${id}"`);
    super(
      `run ${runId} is not deterministic: replaying the memo of its first ${difference.afterStep} step(s) twice, ` +
        `step call #${difference.index + 1} was ${show(difference.first)} the first time and ${show(difference.second)} the second; ` +
        `move the code that decides it (time, randomness, I/O, module state) into step.run`,
    );
    this.name = "NonDeterminismError";
    this.difference = difference;
    this.runId = runId;
  }
}
