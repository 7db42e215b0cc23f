import type { TenaxFunction } from "../function/create-function.js";
import type { Jsonify } from "../json/jsonify.js";

/** Where a run is in its life; the last three are final. */
export type RunStatus = "queued" | "running" | "sleeping" | "waiting" | "completed" | "failed" | "cancelled";

/** Every run status, in lifecycle order. */
export const RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "sleeping", "waiting", "completed", "failed", "cancelled"];

/** Whether a run in this status has ended (it will not change again). */
export function isFinalStatus(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** A run of a function, as the run API reports it. */
export interface Run<TOutput = unknown> {
  id: string;
  appId: string;
  /** The function's own id, as written in createFunction. */
  functionId: string;
  /** The function version the run started with. */
  functionVersion: number;
  status: RunStatus;
  /** Ids of the events that started the run. */
  eventIds: string[];
  /** The handler's return value, parsed from JSON; set once the run completed. */
  output?: TOutput;
  /** The stored error, rebuilt with its cause chain; set once the run failed or was cancelled. */
  error?: Error;
  createdAt: Date;
  /** When its first execution started; unset before. */
  startedAt?: Date;
  /** When it ended; unset before. */
  endedAt?: Date;
  /** 0-based attempt of its current position. */
  attempt: number;
  /** Number of stored steps. */
  stepCount: number;
}

/** A stored (memoized) step of a run. */
export interface RunStep {
  /** The step id as written, with ":n" for repeats ("fetch", "fetch:1"). */
  stepId: string;
  /** The hashed step id the memo is keyed by. */
  hashedId: string;
  name: string;
  status: "completed" | "failed";
  /** The step's result, parsed from JSON, when it completed. */
  output?: unknown;
  /** Its error, rebuilt with its cause chain, when it failed. */
  error?: Error;
  /** The attempt (0-based) that produced the result. */
  attempt: number;
  /** When that attempt started, if known. */
  startedAt?: Date;
  /** When the result was stored. */
  storedAt: Date;
  /** Position in the run's memo: the order results were stored, from 0. */
  position: number;
}

/** `tenax.runs.get()`: a run with its stored steps, in stored order. */
export interface RunDetails extends Run {
  steps: RunStep[];
}

/** One update of `tenax.runs.watch()`: the run as it is now, and the step just stored, if any. */
export interface RunUpdate {
  run: Run;
  step?: RunStep;
}

/** What a completed run of `F` outputs: its handler's return value after the JSON round trip. */
export type RunOutput<F extends TenaxFunction<any, any>> = Jsonify<Awaited<ReturnType<F["handler"]>>>;
