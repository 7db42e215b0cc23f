import type { EventJson } from "@tenax/match";
import { deserializeError } from "../errors/serialize.js";
import { toProtoEvent } from "../event/to-proto-event.js";
import type { EventPayload, TenaxEvent } from "../event/types.js";
import { withFailureFunctions } from "../function/failure-function.js";
import type { Logger } from "../logger/logger.js";
import type { RunStatus } from "../runs/run.js";
import type { Duration } from "../time/duration.js";
import { durationMs, VirtualTime, type TestClock } from "./clock.js";
import { crash } from "./crash.js";
import { appendDirect, ingest } from "./events.js";
import type { MockHandle, RegisteredMock, StepMock, StepMockContext } from "./instrument.js";
import { execute } from "./requests.js";
import { startRun } from "./runs.js";
import { ENDED, silent, type AnyFunction, type Kit, type RunState } from "./state.js";
import { NonDeterminismError, type OutputOf, type TestRunOptions, type TestRunResult, type TestStep, type TestOp } from "./types.js";

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

const MAX_TIMERS_PER_RESULT = 100_000;

/**
 * An in-process Tenax for tests: it plays the executor's, ingest's and scheduler's roles around the
 * SDK's own replay engine (the same `executeFunction` a worker runs), on virtual time.
 */
export function createTestEngine(options: TestEngineOptions): TestEngine {
  const startAt = options.startAt === undefined ? Date.now() : new Date(options.startAt).getTime();
  if (!Number.isFinite(startAt)) throw new TypeError(`createTestEngine: startAt ${String(options.startAt)} is not a valid time`);
  const k: Kit = {
    time: new VirtualTime(startAt),
    logger: options.logger ?? silent,
    defaultAppId: options.appId ?? "test",
    functions: new Map(),
    events: [],
    eventIds: new Map(),
    runs: [],
    runsById: new Map(),
    waits: [],
    cancels: [],
    mocks: [],
    queue: [],
    pendingCrashes: [],
    seq: 0,
    runCounter: 0,
    makeHandle: (run) => makeHandle(run),
  };
  for (const fn of withFailureFunctions(options.functions)) k.functions.set(`${fn.appId ?? k.defaultAppId}/${fn.id}`, fn);
  const { time } = k;
  let draining: Promise<void> | undefined;

  // ---- driving ------------------------------------------------------------------------------

  /** Runs queued requests until none is left (time does not move). */
  function drain(): Promise<void> {
    draining ??= (async () => {
      // Let the assignment above happen before `finally` clears it.
      await Promise.resolve();
      try {
        for (;;) {
          const crashed = k.pendingCrashes.shift();
          if (crashed) {
            await crash(k, crashed);
            continue;
          }
          const item = k.queue.shift();
          if (!item) break;
          await execute(k, item);
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
      const { ids, started } = ingest(k, list);
      await drain();
      return { ids, runs: started.map((r) => r.handle) };
    },
    async start(fn, event, opts = {}) {
      const run = startRun(k, fn, appendDirect(k, toProtoEvent(defaultEvent(fn, event), 0)), opts);
      await drain();
      return run.handle as TestRun<any>;
    },
    async run(fn, event, opts) {
      return (await engine.start(fn, event, opts)).result();
    },
    mockStep(id: string, mock: StepMock) {
      const existing = k.mocks.findIndex((m) => m.id === id);
      if (existing >= 0) k.mocks.splice(existing, 1);
      const registered: RegisteredMock = { id, mock, calls: 0 };
      k.mocks.push(registered);
      return registered;
    },
    get events() {
      return k.events;
    },
    get runs() {
      return k.runs.map((r) => r.handle);
    },
  };
  return engine;
}
