import { randomUUID } from "node:crypto";
import { create, toJson, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { ErrorCode, ErrorInfoSchema, ErrorReason, EventSchema, OpCode, reasonErrorInfo, reasonOfError, type ErrorInfo, type Event } from "@tenax/proto";
import { compileExpression, matchesExpression, toEventJson, waitMatches, type EventJson } from "@tenax/match";
import { deserializeError, type ErrorInfoLike } from "../errors/serialize.js";
import { toProtoEvent } from "../event/to-proto-event.js";
import type { EventPayload, TenaxEvent } from "../event/types.js";
import { executeFunction } from "../execution/execute.js";
import type { MemoEntryInput } from "../execution/memo.js";
import type { ReportedOp } from "../execution/ops.js";
import type { TenaxFunction } from "../function/create-function.js";
import { withFailureFunctions } from "../function/failure-function.js";
import { decodeJson, encodeJson } from "../json/codec.js";
import type { Logger } from "../logger/logger.js";
import type { RunStatus } from "../runs/run.js";
import type { Duration } from "../time/duration.js";
import { durationMs, VirtualTime, type TestClock } from "./clock.js";
import { instrumentHandler, type MockHandle, type RecordedCall, type RegisteredMock, type StepMock, type StepMockContext } from "./instrument.js";
import {
  NonDeterminismError,
  type NonDeterminism,
  type OutputOf,
  type TestCrash,
  type TestOp,
  type TestRunOptions,
  type TestRunResult,
  type TestStep,
} from "./types.js";

type AnyFunction = TenaxFunction<any, any>;

export interface TestEngineOptions {
  /** The functions to serve (a function's `onFailure` companion is served along). */
  functions: AnyFunction[];
  /** Start of virtual time (a Date, an ISO string or ms since the epoch). Default: the real time now. */
  startAt?: Date | string | number;
  /** App id of functions created without one. Default `"test"`. */
  appId?: string;
  /** Receives what the worker would log (handler logger lines, warnings). Default: silent. */
  logger?: Logger;
}

/** A run the kit holds: its live state, and `result()` to let virtual time run until it ends. */
export interface TestRun<TOutput = unknown> {
  readonly id: string;
  readonly functionId: string;
  readonly status: RunStatus;
  readonly event: TenaxEvent;
  readonly output: TOutput | undefined;
  readonly error: Error | undefined;
  readonly steps: TestStep[];
  readonly ops: TestOp[];
  /** Advances virtual time until this run ends (or nothing more can happen to it), and returns its state. */
  result(): Promise<TestRunResult<TOutput>>;
  /** Its state now, without advancing time. */
  snapshot(): TestRunResult<TOutput>;
}

export interface TestSendResult {
  /** The effective event ids, in order (a duplicate id returns the id it duplicates). */
  ids: string[];
  /** The runs these events started (trigger name and `if`), in order. */
  runs: TestRun[];
}

/** An event the kit received. */
export interface TestEvent extends EventJson {
  /** Receive order. */
  seq: number;
}

export interface TestEngine {
  /** Virtual time: `t.clock.advance("1h")`. */
  readonly clock: TestClock;
  /**
   * Sends events as `tenax.send` does: each starts a run of every function whose trigger matches
   * (name and `if`), resolves the waits and cancels the runs (`cancelOn`) it matches, using the
   * services' own matching code. Runs go as far as they can without time passing.
   */
  send(events: EventPayload | EventPayload[]): Promise<TestSendResult>;
  /**
   * Starts a run of `fn` with `event` (default: the first event trigger's name, or the cron event)
   * and lets it go as far as it can without time passing: it may end, or sleep or wait.
   */
  start<F extends AnyFunction>(fn: F, event?: Partial<EventPayload>, options?: TestRunOptions): Promise<TestRun<OutputOf<F>>>;
  /**
   * Runs `fn` with `event` to its end, moving virtual time instantly through its sleeps, waits'
   * timeouts and retries' backoff. Resolves with its output (or error), steps and ops.
   */
  run<F extends AnyFunction>(fn: F, event?: Partial<EventPayload>, options?: TestRunOptions): Promise<TestRunResult<OutputOf<F>>>;
  /**
   * Mocks a step of any function: `"charge"` (every call with that id) or `"charge:1"` (that
   * repeat only). The mock is a value, or a function of `{ attempt, stepId }` returning one or
   * throwing (a thrown error is retried like any step error; a NonRetriableError fails the step).
   */
  mockStep(id: string, mock: (ctx: StepMockContext) => unknown): MockHandle;
  mockStep(id: string, value: StepMock): MockHandle;
  /** Every event received, in order (including those sent by runs and system events). */
  readonly events: readonly TestEvent[];
  /** Every run, in start order. */
  readonly runs: readonly TestRun[];
}

const YEAR_MS = 365 * 86_400_000;
// PROTOCOL §6.5, as services/executor/src/backoff.ts applies it; the kit leaves out the jitter.
const RETRY_SCHEDULE_MS = [15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 7_200_000];
const MAX_TIMERS_PER_RESULT = 100_000;
const SYSTEM_PREFIX = "tenax/function.";
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface StoredStep {
  record: TestStep;
  entry: MemoEntryInput;
}

interface OpenWait {
  runId: string;
  stepId: string;
  eventName: string;
  match: string;
  expression: string;
  triggerEvent: Record<string, unknown>;
  minSeq: number;
  cancelTimer(): void;
}

interface CancelListener {
  runId: string;
  eventName: string;
  match: string;
  expression: string;
  triggerEvent: Record<string, unknown>;
  minSeq: number;
  expiresAt: number;
}

interface Item {
  run: RunState;
  /** Hashed id of the step to run (a parallel step's own item, or a retarget). */
  target?: string;
  /** True for a parallel step's own queue item (it counts its own attempts). */
  own: boolean;
  attempt: number;
}

interface RunState {
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

const ENDED: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

/**
 * An in-process Tenax for tests: it plays the executor's, ingest's and scheduler's roles around the
 * SDK's own replay engine (the same `executeFunction` a worker runs), on virtual time.
 */
export function createTestEngine(options: TestEngineOptions): TestEngine {
  const defaultAppId = options.appId ?? "test";
  const logger = options.logger ?? silent;
  const startAt = options.startAt === undefined ? Date.now() : new Date(options.startAt).getTime();
  if (!Number.isFinite(startAt)) throw new TypeError(`createTestEngine: startAt ${String(options.startAt)} is not a valid time`);
  const time = new VirtualTime(startAt);
  const functions = new Map<string, AnyFunction>();
  for (const fn of withFailureFunctions(options.functions)) functions.set(`${fn.appId ?? defaultAppId}/${fn.id}`, fn);
  const appOf = (fn: AnyFunction) => fn.appId ?? defaultAppId;

  const events: TestEvent[] = [];
  const eventIds = new Map<string, string>();
  const runs: RunState[] = [];
  const runsById = new Map<string, RunState>();
  const waits: OpenWait[] = [];
  const cancels: CancelListener[] = [];
  const mocks: RegisteredMock[] = [];
  const queue: Item[] = [];
  let seq = 0;
  let runCounter = 0;
  let draining: Promise<void> | undefined;
  /** Runs that reached a crash point, checked before the next request runs. */
  const pendingCrashes: RunState[] = [];

  // ---- events (ingest's role) ---------------------------------------------------------------

  /** Stores events and routes them: triggers, waits, cancels (appendEvents' order). */
  function ingest(list: Event[]): { ids: string[]; started: RunState[] } {
    const ids: string[] = [];
    const stored: TestEvent[] = [];
    for (const e of list) {
      const seen = e.id ? eventIds.get(e.id) : undefined;
      if (seen) {
        ids.push(seen);
        continue;
      }
      const ev = storeEvent(e);
      stored.push(ev);
      ids.push(ev.id);
    }
    const started: RunState[] = [];
    for (const ev of stored) {
      const ctx = { event: toEventJson(ev) };
      for (const fn of functions.values()) {
        const hit = fn.config.triggers.some(
          (t) => t.kind.case === "event" && t.kind.value.event === ev.name && matchesExpression(t.kind.value.expression, ctx),
        );
        if (hit) started.push(startRun(fn, ev, {}));
      }
      for (const w of [...waits]) {
        if (w.eventName !== ev.name || ev.seq <= w.minSeq || !waitMatches(w, toEventJson(ev))) continue;
        const run = runsById.get(w.runId)!;
        consumeWait(w);
        resolveStep(run, w.stepId, { data: encodeJson(toEventJson(ev)) });
      }
      for (const c of [...cancels]) {
        if (c.eventName !== ev.name || ev.seq <= c.minSeq || time.now() > c.expiresAt || !waitMatches(c, toEventJson(ev))) continue;
        const run = runsById.get(c.runId)!;
        if (!ENDED.has(run.status)) finish(run, "cancelled", undefined, cancelledError());
      }
    }
    return { ids, started };
  }

  function consumeWait(w: OpenWait): void {
    const i = waits.indexOf(w);
    if (i >= 0) waits.splice(i, 1);
    w.cancelTimer();
  }

  // ---- runs ---------------------------------------------------------------------------------

  function startRun(fn: AnyFunction, ev: TestEvent, opts: TestRunOptions, parent?: RunState["parent"]): RunState {
    const id = opts.runId ?? `run-${++runCounter}`;
    if (runsById.has(id)) throw new TypeError(`a run with id "${id}" exists already`);
    const event: TenaxEvent = { id: ev.id, name: ev.name, data: ev.data, ts: ev.ts };
    if (Object.keys(ev.user).length > 0) event.user = ev.user as TenaxEvent["user"];
    if (ev.v) event.v = ev.v;
    const crash = opts.crashAfterStep;
    const points = new Set(typeof crash === "number" ? [crash] : Array.isArray(crash) ? crash : []);
    const run: RunState = {
      id,
      fn,
      appId: appOf(fn),
      event,
      eventJson: toEventJson(ev),
      status: "queued",
      memo: [],
      steps: new Map(),
      order: [],
      attempts: new Map(),
      attempt: 0,
      planMode: false,
      identities: new Map(),
      planned: new Set(),
      pending: new Map(),
      floor: ev.seq,
      discoveryQueued: false,
      requests: 0,
      ops: [],
      warnings: [],
      crashAt: crash === "every" ? () => true : (n) => points.has(n),
      crashes: [],
      ...(parent ? { parent } : {}),
      handle: undefined as unknown as TestRun,
    };
    run.handle = makeHandle(run);
    runs.push(run);
    runsById.set(id, run);
    for (const rule of fn.config.cancelOn) {
      cancels.push({
        runId: id,
        eventName: rule.event,
        match: rule.match,
        expression: rule.expression,
        triggerEvent: run.eventJson as unknown as Record<string, unknown>,
        minSeq: ev.seq,
        expiresAt: rule.timeoutMs > 0n ? time.now() + Number(rule.timeoutMs) : Number.POSITIVE_INFINITY,
      });
    }
    enqueueDiscovery(run, false);
    return run;
  }

  function enqueueDiscovery(run: RunState, front: boolean, target?: string): void {
    if (ENDED.has(run.status)) return;
    if (run.discoveryQueued && target === undefined) return;
    run.discoveryQueued = true;
    const item: Item = { run, own: false, attempt: run.attempt, ...(target ? { target } : {}) };
    if (front) queue.unshift(item);
    else queue.push(item);
  }

  /** A pending op resolved (timer, event, child run): its entry is stored and the run queued again. */
  function resolveStep(run: RunState, stepId: string, result: { data?: Uint8Array; error?: ErrorInfoLike }): void {
    run.pending.delete(stepId);
    if (ENDED.has(run.status)) return;
    storeStep(run, stepId, undefined, result);
    // A resumed run is a new claim: its wait floor is the sequence now.
    run.floor = seq;
    run.status = "queued";
    enqueueDiscovery(run, false);
  }

  function storeStep(run: RunState, stepId: string, op: ReportedOp | undefined, result: { data?: Uint8Array; error?: ErrorInfoLike }): boolean {
    if (run.steps.has(stepId)) return false; // the stored result counts
    const known = run.identities.get(stepId);
    const userId = op?.userId ?? known?.userId ?? stepId;
    const record: TestStep = {
      id: userId,
      name: op?.name || known?.name || userId,
      hashedId: stepId,
      type: op?.stepType ?? known?.type ?? "",
      status: result.error ? "failed" : "completed",
      attempts: run.attempts.get(stepId) ?? 1,
    };
    if (result.error) record.error = deserializeError(result.error);
    else record.output = decode(result.data);
    const entry: MemoEntryInput = result.error ? { stepId, error: result.error } : { stepId, data: result.data ?? new Uint8Array() };
    const stored = { record, entry };
    run.steps.set(stepId, stored);
    run.order.push(stored);
    run.memo.push(entry);
    run.planned.delete(stepId);
    return true;
  }

  function finish(run: RunState, status: "completed" | "failed" | "cancelled", output: unknown, error?: ErrorInfo | ErrorInfoLike): void {
    if (ENDED.has(run.status)) return;
    run.status = status;
    if (status === "completed") run.output = output;
    if (error) run.error = error;
    for (const p of run.pending.values()) p.cancel();
    run.pending.clear();
    time.cancelRun(run.id);
    for (let i = waits.length - 1; i >= 0; i--) if (waits[i]!.runId === run.id) waits.splice(i, 1);
    for (let i = cancels.length - 1; i >= 0; i--) if (cancels[i]!.runId === run.id) cancels.splice(i, 1);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.run === run) queue.splice(i, 1);
    const parent = run.parent;
    if (parent && parent.run.pending.has(parent.stepId)) {
      const result =
        status === "completed"
          ? { data: encodeJson(output ?? null) }
          : status === "failed"
            ? {
                error: reasonErrorInfo(
                  ErrorCode.STEP_FAILED,
                  ErrorReason.INVOKE_FAILED,
                  `the invoked run ${run.id} of "${run.fn.id}" failed: ${error?.message ?? "unknown error"}`,
                  "InvokeError",
                ),
              }
            : { error: reasonErrorInfo(ErrorCode.CANCELLED, ErrorReason.INVOKE_CANCELLED, `the invoked run ${run.id} was cancelled`, "InvokeError") };
      resolveStep(parent.run, parent.stepId, result);
    }
    // Lifecycle events, as the services write them; runs of tenax/function.* events emit none.
    if (!run.event.name.startsWith(SYSTEM_PREFIX)) {
      const base = { function_id: run.fn.id, app_id: run.appId, run_id: run.id, event: run.eventJson as unknown as JsonObject };
      const errorJson = error ? (toJson(ErrorInfoSchema, create(ErrorInfoSchema, error as MessageInitShape<typeof ErrorInfoSchema>)) as JsonObject) : undefined;
      const system = (name: string, data: JsonObject) => create(EventSchema, { name, data });
      const list: Event[] = [];
      if (status === "cancelled") list.push(system("tenax/function.cancelled", { ...base, ...(errorJson ? { error: errorJson } : {}) }));
      if (status === "failed") list.push(system("tenax/function.failed", { ...base, ...(errorJson ? { error: errorJson } : {}) }));
      list.push(
        system(
          "tenax/function.finished",
          status === "completed" ? { ...base, result: (output ?? null) as JsonObject } : { ...base, ...(errorJson ? { error: errorJson } : {}) },
        ),
      );
      ingest(list);
    }
  }

  // ---- requests (the executor's role) -------------------------------------------------------

  function maxAttempts(run: RunState): number {
    return (run.fn.config.retries ?? 4) + 1;
  }

  async function execute(item: Item): Promise<void> {
    const run = item.run;
    if (ENDED.has(run.status)) return;
    if (!item.own) {
      run.discoveryQueued = false;
      item.attempt = run.attempt;
    }
    run.status = "running";
    const request = run.requests++;
    const handler = instrumentHandler(run.fn.handler, { mockFor });
    const report = await executeFunction(
      { id: run.fn.id, handler },
      {
        runId: run.id,
        appId: run.appId,
        functionId: run.fn.id,
        attempt: item.attempt,
        maxAttempts: maxAttempts(run),
        event: run.event,
        events: [run.event],
        memo: [...run.memo],
        ...(item.target ? { targetStepId: item.target } : {}),
        disableImmediateExecution: run.planMode && !item.target,
        logger,
        now: () => time.now(),
      },
    );
    for (const w of report.warnings) {
      logger.warn(w.message, { runId: run.id, functionId: run.fn.id, ...w.fields });
      run.warnings.push({ message: w.message, fields: { ...w.fields } });
    }
    for (const op of report.ops) {
      if (op.stepId) run.identities.set(op.stepId, { userId: op.userId ?? op.stepId, name: op.name || op.userId || op.stepId, type: op.stepType ?? "" });
      run.ops.push(readableOp(op, request, item.attempt));
    }
    if (ENDED.has(run.status)) return; // cancelled while the request ran
    applyOps(run, item, report.ops);
  }

  function applyOps(run: RunState, item: Item, ops: ReportedOp[]): void {
    const [op] = ops;
    if (!op) return finish(run, "failed", undefined, reasonErrorInfo(ErrorCode.PROTOCOL, ErrorReason.PROTOCOL_ERROR, "result has no ops"));
    const final = (o: ReportedOp) => o.noRetry === true || item.attempt + 1 >= maxAttempts(run);
    if (ops.length === 1) {
      switch (op.code) {
        case OpCode.RUN_COMPLETE:
          return finish(run, "completed", decode(op.data));
        case OpCode.RUN_ERROR:
          return final(op) ? finish(run, "failed", undefined, op.error) : retry(run, item, op);
        case OpCode.STEP_RAN:
          return stepStored(run, item, op, { data: op.data ?? new Uint8Array() });
        case OpCode.STEP_ERROR:
        case OpCode.STEP_FAILED:
          if (op.code === OpCode.STEP_ERROR && !final(op)) return retry(run, item, op);
          return stepStored(run, item, op, { error: op.error ?? {} });
        case OpCode.YIELD:
          return enqueueDiscovery(run, true);
        case OpCode.STEP_PLANNED:
          if (!run.planMode) {
            // Continue with the step as the target, on the same item and attempt (PROTOCOL §6.4).
            if (item.own) queue.unshift({ ...item, target: op.stepId! });
            else {
              run.discoveryQueued = true;
              queue.unshift({ run, own: false, attempt: item.attempt, target: op.stepId! });
            }
            return;
          }
          break;
        default:
          break;
      }
    }
    stepOps(run, ops);
  }

  function stepStored(run: RunState, item: Item, op: ReportedOp, result: { data?: Uint8Array; error?: ErrorInfoLike }): void {
    run.attempts.set(op.stepId!, item.attempt + 1);
    const stored = storeStep(run, op.stepId!, op, result);
    // A worker-reported step raises the wait floor (PROTOCOL §6.3) and resets the position's attempts.
    run.floor = seq;
    if (!item.own) run.attempt = 0;
    if (stored && run.crashAt(run.order.length)) pendingCrashes.push(run);
    enqueueDiscovery(run, !item.own);
  }

  function retry(run: RunState, item: Item, op: ReportedOp): void {
    const now = time.now();
    const retryAt = op.retryAfterMs && op.retryAfterMs > 0n ? Math.min(Math.max(Number(op.retryAfterMs), now + 1_000), now + 86_400_000) : undefined;
    const at = retryAt ?? now + RETRY_SCHEDULE_MS[Math.min(item.attempt, RETRY_SCHEDULE_MS.length - 1)]!;
    if (op.stepId) run.attempts.set(op.stepId, item.attempt + 1);
    const next: Item = { ...item, attempt: item.attempt + 1 };
    if (!item.own) run.discoveryQueued = true;
    time.set({
      at,
      kind: "retry",
      runId: run.id,
      fire: () => {
        if (ENDED.has(run.status)) return;
        if (!item.own) run.attempt = next.attempt;
        // A retry is a new claim: the wait floor is the sequence now.
        run.floor = seq;
        queue.push(next);
      },
    });
  }

  function failStep(run: RunState, op: ReportedOp, reason: ErrorReason, message: string): { error: ErrorInfo } {
    return { error: reasonErrorInfo(ErrorCode.USER, reason, `step "${op.userId}": ${message}`, "StepError") };
  }

  /** Sleeps, waits, invokes, sends and parallel plans (PROTOCOL §6.2). */
  function stepOps(run: RunState, ops: ReportedOp[]): void {
    for (const op of ops) {
      const expr = op.opts?.case === "waitForEvent" ? op.opts.value.expression : "";
      if (!expr) continue;
      try {
        compileExpression(expr);
      } catch (err) {
        const { reason, detail } = reasonOfError(err, ErrorReason.INVALID_EXPRESSION);
        return finish(run, "failed", undefined, reasonErrorInfo(ErrorCode.INVALID_EXPRESSION, reason, `step "${op.userId}": ${detail}`));
      }
    }
    const now = time.now();
    const resolved: Array<{ op: ReportedOp; result: { data?: Uint8Array; error?: ErrorInfoLike } }> = [];
    const done = (op: ReportedOp, value: unknown) => resolved.push({ op, result: { data: encodeJson(value ?? null) } });
    const fail = (op: ReportedOp, reason: ErrorReason, message: string) => resolved.push({ op, result: failStep(run, op, reason, message) });
    let parkedOn: RunStatus = "running";
    const park = (status: RunStatus) => {
      if (status === "waiting" || (status === "sleeping" && parkedOn !== "waiting")) parkedOn = status;
    };
    for (const op of ops) {
      const stepId = op.stepId!;
      if (run.steps.has(stepId)) continue;
      if (op.code === OpCode.STEP_PLANNED) {
        run.planMode = true;
        if (!run.planned.has(stepId)) {
          run.planned.add(stepId);
          queue.push({ run, own: true, attempt: 0, target: stepId });
        }
        continue;
      }
      switch (op.opts?.case) {
        case "sleep": {
          const until = Number(op.opts.value.untilMs);
          if (until - now > YEAR_MS) fail(op, ErrorReason.SLEEP_TOO_LONG, "sleeps are limited to one year (365 days)");
          else if (until <= now) done(op, null);
          else if (!run.pending.has(stepId)) {
            const timer = time.set({ at: until, kind: "sleep", runId: run.id, fire: () => resolveStep(run, stepId, { data: encodeJson(null) }) });
            run.pending.set(stepId, timer);
            park("sleeping");
          } else park("sleeping");
          break;
        }
        case "waitForEvent": {
          const w = op.opts.value;
          const timeoutAt = Number(w.timeoutAtMs);
          if (timeoutAt - now > YEAR_MS) {
            fail(op, ErrorReason.WAIT_TOO_LONG, "waits are limited to one year (365 days)");
            break;
          }
          const spec = { match: w.match, expression: w.expression, triggerEvent: run.eventJson as unknown as Record<string, unknown> };
          const open = waits.find((x) => x.runId === run.id && x.stepId === stepId);
          const floor = open?.minSeq ?? run.floor;
          const hit = events.find((e) => e.name === w.event && e.seq > floor && waitMatches(spec, toEventJson(e)));
          if (hit) {
            if (open) consumeWait(open);
            run.pending.delete(stepId);
            done(op, toEventJson(hit));
          } else if (timeoutAt <= now) {
            if (open) consumeWait(open);
            run.pending.delete(stepId);
            done(op, null);
          } else {
            if (!open) {
              const wait: OpenWait = { runId: run.id, stepId, eventName: w.event, ...spec, minSeq: floor, cancelTimer: () => timer.cancel() };
              const timer = time.set({
                at: timeoutAt,
                kind: "wait",
                runId: run.id,
                fire: () => {
                  const i = waits.indexOf(wait);
                  if (i < 0) return;
                  waits.splice(i, 1);
                  resolveStep(run, stepId, { data: encodeJson(null) });
                },
              });
              waits.push(wait);
              run.pending.set(stepId, { cancel: () => consumeWait(wait) });
            }
            park("waiting");
          }
          break;
        }
        case "invoke": {
          if (run.pending.has(stepId)) {
            park("waiting"); // already invoked: a replay reports it again
            break;
          }
          const v = op.opts.value;
          const appId = v.appId || run.appId;
          const target = functions.get(`${appId}/${v.functionId}`);
          if (!target) {
            fail(op, ErrorReason.FUNCTION_NOT_FOUND, `no function "${v.functionId}" is registered in app "${appId}"`);
            break;
          }
          let data: Record<string, unknown>;
          try {
            data = v.dataJson.length ? (decodeJson(v.dataJson) as Record<string, unknown>) : {};
          } catch {
            fail(op, ErrorReason.INVALID_INVOKE_DATA, "data is not valid JSON");
            break;
          }
          const invokeEvent = appendDirect(
            create(EventSchema, { id: `invoke-${run.id}-${stepId}`, name: "tenax/function.invoked", data: data as JsonObject, ts: BigInt(now) }),
          );
          const timeoutAt = Number(v.timeoutAtMs);
          const timer =
            timeoutAt > 0
              ? time.set({
                  at: timeoutAt,
                  kind: "invoke",
                  runId: run.id,
                  fire: () => {
                    if (!run.pending.has(stepId)) return;
                    resolveStep(run, stepId, {
                      error: reasonErrorInfo(
                        ErrorCode.TIMEOUT,
                        ErrorReason.INVOKE_TIMEOUT,
                        `step "${op.userId}": the invoked run ${child.id} did not finish in time; it keeps running`,
                        "InvokeTimeoutError",
                      ),
                    });
                  },
                })
              : undefined;
          run.pending.set(stepId, { cancel: () => timer?.cancel() });
          const child = startRun(target, invokeEvent, {}, { run, stepId, userId: op.userId!, name: op.name || op.userId! });
          park("waiting");
          break;
        }
        case "sendEvent": {
          let list: Event[];
          try {
            list = op.opts.value.events.map((e) => create(EventSchema, e));
            for (const e of list) {
              if (!e.name) throw new Error("an event name is required");
              if (e.name.startsWith("tenax/")) throw new Error(`event name "${e.name}": the tenax/ prefix is reserved`);
            }
          } catch (err) {
            fail(op, ErrorReason.INVALID_EVENT, (err as Error).message);
            break;
          }
          done(op, { ids: ingest(list).ids });
          break;
        }
        default:
          break;
      }
    }
    if (ENDED.has(run.status)) return; // it cancelled itself (sendEvent)
    if (resolved.length > 0) {
      for (const { op, result } of resolved) storeStep(run, op.stepId!, op, result);
      if (run.crashAt(run.order.length)) pendingCrashes.push(run);
      enqueueDiscovery(run, true);
      return;
    }
    // Parked: it holds nothing until something resolves.
    run.status = parkedOn;
  }

  /** Stores an event that starts no trigger (an invoke's internal event, `t.run`'s event). */
  function appendDirect(e: Event): TestEvent {
    const seen = e.id ? events.find((x) => x.id === e.id) : undefined;
    return seen ?? storeEvent(e);
  }

  function storeEvent(e: Event): TestEvent {
    const id = e.id || randomUUID();
    const user = (e.user as Record<string, unknown> | undefined) ?? null;
    const ts = e.ts > 0n ? Number(e.ts) : time.now();
    const ev: TestEvent = { ...toEventJson({ id, name: e.name, data: (e.data ?? {}) as Record<string, unknown>, user, ts, v: e.v }), seq: ++seq };
    eventIds.set(id, id);
    events.push(ev);
    return ev;
  }

  // ---- crash injection ----------------------------------------------------------------------

  /** Stops the run here and replays its memo twice, running no step body; compares the step calls. */
  async function crash(run: RunState): Promise<void> {
    const afterStep = run.order.length;
    if (run.crashes.some((c) => c.afterStep === afterStep)) return;
    const first = await replayCalls(run);
    const second = await replayCalls(run);
    run.crashes.push({ afterStep, replayedSteps: first });
    const length = Math.max(first.length, second.length);
    for (let i = 0; i < length; i++) {
      if (first[i] === second[i]) continue;
      run.nondeterminism ??= {
        afterStep,
        index: i,
        ...(first[i] === undefined ? {} : { first: first[i] }),
        ...(second[i] === undefined ? {} : { second: second[i] }),
      };
      break;
    }
  }

  async function replayCalls(run: RunState): Promise<string[]> {
    const record: RecordedCall[] = [];
    const handler = instrumentHandler(run.fn.handler, { record, mockFor: () => undefined });
    await executeFunction(
      { id: run.fn.id, handler },
      {
        runId: run.id,
        appId: run.appId,
        functionId: run.fn.id,
        attempt: run.attempt,
        maxAttempts: maxAttempts(run),
        event: run.event,
        events: [run.event],
        memo: [...run.memo],
        disableImmediateExecution: true,
        logger: silent,
        now: () => time.now(),
      },
    );
    return record.map((c) => c.stepId);
  }

  // ---- driving ------------------------------------------------------------------------------

  /** Runs queued requests until none is left (time does not move). */
  function drain(): Promise<void> {
    draining ??= (async () => {
      // Let the assignment above happen before `finally` clears it.
      await Promise.resolve();
      try {
        for (;;) {
          const crashed = pendingCrashes.shift();
          if (crashed) {
            await crash(crashed);
            continue;
          }
          const item = queue.shift();
          if (!item) break;
          await execute(item);
        }
      } finally {
        draining = undefined;
      }
    })();
    return draining;
  }

  /** Fires timers up to `until` in time order, draining after each; then sets the clock to `until`. */
  async function advanceTo(until: number): Promise<void> {
    await drain();
    for (let timer = time.next(until); timer; timer = time.next(until)) {
      time.fire(timer);
      await drain();
    }
    time.moveTo(until);
  }

  async function settle(run: RunState): Promise<void> {
    await drain();
    for (let fired = 0; !ENDED.has(run.status) && fired < MAX_TIMERS_PER_RESULT; fired++) {
      const timer = time.next();
      if (!timer) break; // nothing can move it on but an event (t.send)
      time.fire(timer);
      await drain();
    }
  }

  function mockFor(stepId: string, name: string): RegisteredMock | undefined {
    return mocks.find((m) => m.id === stepId) ?? mocks.find((m) => m.id === name);
  }

  function snapshot(run: RunState): TestRunResult<any> {
    const result: TestRunResult<any> = {
      runId: run.id,
      functionId: run.fn.id,
      status: run.status,
      event: run.event,
      steps: run.order.map((s) => ({ ...s.record })),
      ops: [...run.ops],
      warnings: [...run.warnings],
      crashes: [...run.crashes],
    };
    if (run.status === "completed") result.output = run.output;
    if (run.error) result.error = deserializeError(run.error);
    if (run.nondeterminism) result.nondeterminism = run.nondeterminism;
    return result;
  }

  function makeHandle(run: RunState): TestRun<any> {
    return {
      id: run.id,
      functionId: run.fn.id,
      event: run.event,
      get status() {
        return run.status;
      },
      get output() {
        return run.status === "completed" ? run.output : undefined;
      },
      get error() {
        return run.error ? deserializeError(run.error) : undefined;
      },
      get steps() {
        return run.order.map((s) => ({ ...s.record }));
      },
      get ops() {
        return [...run.ops];
      },
      snapshot: () => snapshot(run),
      async result() {
        await settle(run);
        if (run.nondeterminism) throw new NonDeterminismError(run.id, run.nondeterminism);
        return snapshot(run);
      },
    };
  }

  function defaultEvent(fn: AnyFunction, event: Partial<EventPayload> = {}): EventPayload {
    if (event.name) return event as EventPayload;
    const trigger = fn.config.triggers.find((t) => t.kind.case === "event");
    if (trigger?.kind.case === "event") return { ...event, name: trigger.kind.value.event };
    const cron = fn.config.triggers.find((t) => t.kind.case === "cron");
    if (cron?.kind.case === "cron")
      return { ...event, name: "tenax/scheduled.timer", data: event.data ?? { cron: cron.kind.value.cron, scheduledAt: new Date(time.now()).toISOString() } };
    throw new TypeError(`function "${fn.id}" has no event trigger: pass the event to run it with`);
  }

  const engine: TestEngine = {
    clock: {
      now: () => time.now(),
      advance: (duration: Duration) => advanceTo(time.now() + durationMs(duration)),
      advanceTo: (at: Date | number) => advanceTo(at instanceof Date ? at.getTime() : at),
      pending: () => time.pending(),
    },
    async send(input) {
      const list = (Array.isArray(input) ? input : [input]).map((payload, index) => toProtoEvent(payload, index));
      for (const e of list) if (e.name.startsWith("tenax/")) throw new TypeError(`event name "${e.name}": the tenax/ prefix is reserved`);
      const { ids, started } = ingest(list);
      await drain();
      return { ids, runs: started.map((r) => r.handle) };
    },
    async start(fn, event, opts = {}) {
      const run = startRun(fn, appendDirect(toProtoEvent(defaultEvent(fn, event), 0)), opts);
      await drain();
      return run.handle as TestRun<any>;
    },
    async run(fn, event, opts) {
      return (await engine.start(fn, event, opts)).result();
    },
    mockStep(id: string, mock: StepMock) {
      const existing = mocks.findIndex((m) => m.id === id);
      if (existing >= 0) mocks.splice(existing, 1);
      const registered: RegisteredMock = { id, mock, calls: 0 };
      mocks.push(registered);
      return registered;
    },
    get events() {
      return events;
    },
    get runs() {
      return runs.map((r) => r.handle);
    },
  };
  return engine;
}

function decode(data: Uint8Array | undefined): unknown {
  return data && data.length > 0 ? decodeJson(data) : null;
}

function cancelledError(): ErrorInfo {
  return create(ErrorInfoSchema, { code: ErrorCode.CANCELLED, name: "CancelledError", message: "function cancelled" });
}

function readableOp(op: ReportedOp, request: number, attempt: number): TestOp {
  const out: TestOp = { request, attempt, code: OpCode[op.code] ?? String(op.code) };
  if (op.userId) out.stepId = op.userId;
  if (op.stepType) out.stepType = op.stepType;
  if ((op.code === OpCode.STEP_RAN || op.code === OpCode.RUN_COMPLETE) && op.data) out.output = decode(op.data);
  if (op.error) out.error = deserializeError(op.error);
  if (op.noRetry) out.noRetry = true;
  if (op.retryAfterMs && op.retryAfterMs > 0n) out.retryAt = Number(op.retryAfterMs);
  switch (op.opts?.case) {
    case "sleep":
      out.until = Number(op.opts.value.untilMs);
      break;
    case "waitForEvent": {
      const w = op.opts.value;
      out.wait = { event: w.event, timeoutAt: Number(w.timeoutAtMs), ...(w.expression ? { if: w.expression } : {}), ...(w.match ? { match: w.match } : {}) };
      break;
    }
    case "invoke": {
      const v = op.opts.value;
      out.invoke = {
        functionId: v.functionId,
        ...(v.appId ? { appId: v.appId } : {}),
        data: v.dataJson.length ? decodeJson(v.dataJson) : {},
        ...(v.timeoutAtMs > 0n ? { timeoutAt: Number(v.timeoutAtMs) } : {}),
      };
      break;
    }
    case "sendEvent":
      out.events = op.opts.value.events.map((e) => ({ name: e.name ?? "", data: e.data ?? {}, ...(e.id ? { id: e.id } : {}) }));
      break;
    default:
      break;
  }
  return out;
}
