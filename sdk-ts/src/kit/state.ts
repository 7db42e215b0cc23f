import { create } from "@bufbuild/protobuf";
import { ErrorCode, ErrorInfoSchema, type ErrorInfo } from "@tenax/proto";
import type { EventJson } from "@tenax/match";
import type { ErrorInfoLike } from "../errors/serialize.js";
import type { TenaxEvent } from "../event/types.js";
import type { MemoEntryInput } from "../execution/memo.js";
import type { TenaxFunction } from "../function/create-function.js";
import { decodeJson } from "../json/codec.js";
import type { Logger } from "../logger/logger.js";
import type { RunStatus } from "../runs/run.js";
import type { VirtualTime } from "./clock.js";
import type { RegisteredMock } from "./instrument.js";
import type { NonDeterminism, TestCrash, TestOp, TestRunResult, TestStep } from "./types.js";
import type { TestEvent, TestRun } from "./test-engine.js";

// The kit's state, shared by its parts: events (ingest's role), runs, requests (the executor's
// role), step ops (sleeps, waits, invokes, sends) and crash injection.

export type AnyFunction = TenaxFunction<any, any>;

export const YEAR_MS = 365 * 86_400_000;
// PROTOCOL §6.5, as services/executor/src/backoff.ts applies it; the kit leaves out the jitter.
export const RETRY_SCHEDULE_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 7_200_000];
export const SYSTEM_PREFIX = "tenax/function.";
export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
export const ENDED: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

export type StepResult = { data?: Uint8Array; error?: ErrorInfoLike };

export interface StoredStep {
  record: TestStep;
  entry: MemoEntryInput;
}

export interface OpenWait {
  runId: string;
  stepId: string;
  eventName: string;
  match: string;
  expression: string;
  triggerEvent: Record<string, unknown>;
  minSeq: number;
  cancelTimer(): void;
}

export interface CancelListener {
  runId: string;
  eventName: string;
  match: string;
  expression: string;
  triggerEvent: Record<string, unknown>;
  minSeq: number;
  expiresAt: number;
}

export interface Item {
  run: RunState;
  /** Hashed id of the step to run (a parallel step's own item, or a retarget). */
  target?: string;
  /** True for a parallel step's own queue item (it counts its own attempts). */
  own: boolean;
  attempt: number;
}

export interface RunState {
  id: string;
  fn: AnyFunction;
  appId: string;
  event: TenaxEvent;
  eventJson: EventJson;
  status: RunStatus;
  memo: MemoEntryInput[];
  steps: Map<string, StoredStep>;
  order: StoredStep[];
  /** Attempts per step id (hashed), including the running one. */
  attempts: Map<string, number>;
  attempt: number;
  planMode: boolean;
  /** What the ops said about each step id (hashed): its id with counter, name and type. */
  identities: Map<string, { userId: string; name: string; type: string }>;
  /** Steps with their own queue item or retry timer (parallel steps). */
  planned: Set<string>;
  /** Steps carried out by the executor that are pending (a timer, a wait, a child run). */
  pending: Map<string, { cancel(): void }>;
  floor: number;
  discoveryQueued: boolean;
  requests: number;
  ops: TestOp[];
  warnings: TestRunResult["warnings"];
  output?: unknown;
  error?: ErrorInfoLike;
  crashAt: (stored: number) => boolean;
  crashes: TestCrash[];
  nondeterminism?: NonDeterminism;
  parent?: { run: RunState; stepId: string; userId: string; name: string };
  handle: TestRun;
}

/** Everything one test engine holds. */
export interface Kit {
  readonly time: VirtualTime;
  readonly logger: Logger;
  readonly defaultAppId: string;
  /** By `<app>/<function id>`. */
  readonly functions: Map<string, AnyFunction>;
  readonly events: TestEvent[];
  readonly eventIds: Map<string, string>;
  readonly runs: RunState[];
  readonly runsById: Map<string, RunState>;
  readonly waits: OpenWait[];
  readonly cancels: CancelListener[];
  readonly mocks: RegisteredMock[];
  /** Requests to run, in order. */
  readonly queue: Item[];
  /** Runs that reached a crash point, checked before the next request runs. */
  readonly pendingCrashes: RunState[];
  /** Receive order of the last event. */
  seq: number;
  runCounter: number;
  /** The public handle of a run (test-engine.ts makes it: it drives time). */
  makeHandle(run: RunState): TestRun;
}

export function appOf(k: Kit, fn: AnyFunction): string {
  return fn.appId ?? k.defaultAppId;
}

export function maxAttempts(run: RunState): number {
  return (run.fn.config.retries ?? 4) + 1;
}

export function mockFor(k: Kit, stepId: string, name: string): RegisteredMock | undefined {
  return k.mocks.find((m) => m.id === stepId) ?? k.mocks.find((m) => m.id === name);
}

export function decode(data: Uint8Array | undefined): unknown {
  return data && data.length > 0 ? decodeJson(data) : null;
}

export function cancelledError(): ErrorInfo {
  return create(ErrorInfoSchema, { code: ErrorCode.CANCELLED, name: "CancelledError", message: "function cancelled" });
}
