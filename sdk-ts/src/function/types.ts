import type { TenaxEvent } from "../event/types.js";
import type { Logger } from "../logger/logger.js";
import type { StepTools } from "../steps/step-tools.js";
import type { Duration } from "../time/duration.js";

/** Start a run for every event with this name (optionally filtered by a CEL expression). */
export interface EventTriggerOptions {
  event: string;
  /** CEL expression over `event`; the trigger matches only when true. */
  if?: string;
}

/** Start a run on a cron schedule (5 fields, 6 with seconds, optional "TZ=Area/City " prefix). */
export interface CronTriggerOptions {
  cron: string;
}

export type TriggerOptions = EventTriggerOptions | CronTriggerOptions;

/** A concurrency limit, optionally per value of a CEL key expression. */
export type ConcurrencyOption = number | { limit: number; key?: string };

/** Cancel a run when a matching event arrives. */
export interface CancelOnOption {
  event: string;
  /** CEL expression over `event` (the trigger) and `async` (the cancelling event). */
  if?: string;
  /** Field path that must be equal on both events, e.g. "data.orderId". */
  match?: string;
  /** How long the rule stays active. Default: as long as the run lives. */
  timeout?: Duration;
}

/**
 * Checkpointing: the worker runs a run's successive `step.run` steps within
 * one request and persists their results in batches ("checkpoints") instead
 * of one round trip to the executor per step. Fields left out get their
 * defaults (see CHECKPOINTING_DEFAULTS).
 */
export interface CheckpointingOptions {
  /** Send a checkpoint once this many step results are buffered: an integer 1..1000. Default 10 (1 = after every step). */
  bufferedSteps?: number;
  /** Send a checkpoint at the latest this long after its first step result was buffered (0 = by count only). Default 50 ms. */
  maxInterval?: Duration;
  /** Hand the run back to the executor (it sends a new request) once a request ran this long, checked before each further step. Default 60 s. */
  maxRuntime?: Duration;
}

/** Defaults a Tenax client applies to the functions it creates. */
export interface FunctionDefaults {
  /** Used by every function whose `checkpointing` is undefined. */
  checkpointing?: boolean | CheckpointingOptions;
}

export interface FunctionOptions<TData = Record<string, any>> {
  /** Stable id within the app, e.g. "process-order". Never change it. */
  id: string;
  /** Display name. Default: the id. */
  name?: string;
  /** Retries per step after the first attempt, 0..20. Default 4. */
  retries?: number;
  /** Up to two concurrency limits. */
  concurrency?: ConcurrencyOption | ConcurrencyOption[];
  /** CEL expression over `event`: at most one run per value per 24 h. */
  idempotency?: string;
  /** Up to five cancellation rules. */
  cancelOn?: CancelOnOption | CancelOnOption[];
  /** `start`: cancel if not started within this long of being triggered; `finish` (alias `run`): cancel if still going this long after it started. */
  timeouts?: { start?: Duration; finish?: Duration; run?: Duration };
  /**
   * Run successive steps within one request, persisting them in batches
   * (see CheckpointingOptions); `true` for the defaults, `false` to turn off
   * a client-wide default. Default: the client's `checkpointing`, else off.
   */
  checkpointing?: boolean | CheckpointingOptions;
  /**
   * Runs when a run of this function fails (after its retries), as its own
   * durable function "<id>-failure" with the original event and the error.
   * Its retries are this function's. connect() registers it along.
   */
  onFailure?: FailureHandler<TData>;
}

/** What a handler receives. */
export interface HandlerContext<TData = Record<string, any>> {
  /** The triggering event. */
  event: TenaxEvent<TData>;
  /** All triggering events (a batch), including `event`. */
  events: TenaxEvent<TData>[];
  /** Durable step tools. */
  step: StepTools;
  runId: string;
  /** 0-based attempt of the step (or run position) being executed. */
  attempt: number;
  /** Logs once per run: lines outside steps are muted while the handler replays memoized steps. */
  logger: Logger;
}

/** What an onFailure handler receives. */
export interface FailureContext<TData = Record<string, any>> {
  /** The failed run's triggering event (the original event). */
  event: TenaxEvent<TData>;
  /** The failed run's error, deserialized: name, message, stack, cause, own properties. */
  error: Error;
  /** Durable step tools of the failure run. */
  step: StepTools;
  /** Id of the failure handler's own run. */
  runId: string;
  /** Id of the run that failed. */
  failedRunId: string;
  /** 0-based attempt of the step (or run position) being executed. */
  attempt: number;
  logger: Logger;
}

export type FailureHandler<TData = Record<string, any>> = (ctx: FailureContext<TData>) => unknown;

export type Handler<TData = Record<string, any>, TResult = unknown> = (ctx: HandlerContext<TData>) => TResult | Promise<TResult>;
