import { appendEvents, compileExpression, functionVersionKey, listenerKey, readFunctionConfig, toEventJson, waitMatches } from "@tenax/engine";
import { errorInfoToJson } from "@tenax/common";
import { ErrorCode, ErrorReason, OpCode, reasonErrorInfo, reasonOfError, systemEvents, type ErrorInfo, type Op } from "@tenax/proto";
import {
  eventsAfter,
  findUnstorable,
  functionCurrent,
  leaseHold,
  queueTargets,
  runPark,
  runSleep,
  stepsInsert,
  timerSleep,
  transaction,
  unkeyedWaitCount,
  waitCreate,
  waitExists,
  waitNamesLock,
  unstorableMessage,
  type RunStatusName,
  type Sql,
  type StepInsert,
} from "@tenax/state";
import type { Inflight } from "./session.js";

const yearMs = 365 * 86_400_000;
const utf8 = new TextDecoder();

export type AsyncOpsOutcome =
  | { kind: "fenced" }
  /** The run was cancelled while this request ran: its item is dropped, nothing more happens. */
  | { kind: "ended" }
  /** Steps resolved at once (memoized now, in this order): the run continues on its lease. */
  | { kind: "continue"; stored: StepInsert[]; stepCount: number; eventSeqFloor: number }
  /** Nothing resolved yet: the run was parked (its discovery item dropped). */
  | { kind: "parked" }
  /** An op is unusable as a whole (an expression that does not compile): fail the run. */
  | { kind: "fail_run"; reason: ErrorReason; message: string };

/**
 * Applies ops that do not run user code here (parallel plans, sleeps, waits, invokes, sends)
 * in one transaction under the lease. Each either resolves at once (memoized now) or leaves
 * something pending (a timer, a wait, a queued step); re-reported pending ops change nothing.
 */
export async function applyAsyncOps(
  sql: Sql,
  work: Inflight,
  ops: Op[],
  settings: { leaseMs: number; unkeyedWaitsPerEvent: number; now?: () => number },
): Promise<AsyncOpsOutcome> {
  const { leaseMs, unkeyedWaitsPerEvent } = settings;
  const clockNow = settings.now ?? Date.now;
  for (const op of ops) {
    const expr = op.opts.case === "waitForEvent" ? op.opts.value.expression : "";
    if (expr) {
      try {
        compileExpression(expr);
      } catch (err) {
        const { reason, detail } = reasonOfError(err, ErrorReason.INVALID_EXPRESSION);
        return { kind: "fail_run", reason, message: `step "${op.userId}": ${detail}` };
      }
    }
  }
  // The common case in one statement: a single sleep that is not due yet.
  const [only] = ops;
  if (ops.length === 1 && only!.opts.case === "sleep") {
    const until = Number(only!.opts.value.untilMs);
    const now = clockNow();
    if (until > now && until - now <= yearMs) {
      const parked = await runSleep(sql, {
        runId: work.runId,
        leaseId: work.leaseId,
        stepId: only!.stepId,
        userId: only!.userId,
        name: only!.name || only!.userId,
        dueAtMs: until,
      });
      return { kind: parked };
    }
  }
  return transaction(sql, async (tx) => {
    const hold = await leaseHold(tx, work);
    if (hold !== "held") return { kind: hold };
    const now = clockNow();
    const resolved: StepInsert[] = [];
    const pending = new Set<RunStatusName>();
    const planned = ops.filter((o) => o.code === OpCode.STEP_PLANNED).map((o) => o.stepId);
    await queueTargets(tx, { runId: work.runId, appId: work.appId, functionId: work.functionId, stepIds: planned });
    if (planned.length > 0) pending.add("running");
    for (const op of ops) {
      const step = { stepId: op.stepId, userId: op.userId, name: op.name || op.userId };
      // A step the executor fails itself: a USER error (the handler can catch it) with a reason.
      const fail = (reason: ErrorReason, message: string, cause?: ErrorInfo) => {
        const error = reasonErrorInfo(ErrorCode.USER, reason, `step "${op.userId}": ${message}`, "StepError");
        if (cause) error.cause = cause;
        resolved.push({ ...step, status: "failed", output: null, error: errorInfoToJson(error) });
      };
      const done = (value: unknown) => resolved.push({ ...step, status: "completed", output: JSON.stringify(value ?? null), error: null });
      switch (op.opts.case) {
        case "sleep": {
          const until = Number(op.opts.value.untilMs);
          if (until - now > yearMs) fail(ErrorReason.SLEEP_TOO_LONG, `sleeps are limited to one year (365 days)`);
          else if (until <= now) done(null);
          else {
            await timerSleep(tx, { ...step, runId: work.runId, dueAtMs: until });
            pending.add("sleeping");
          }
          break;
        }
        case "waitForEvent": {
          const w = op.opts.value;
          const timeoutAt = Number(w.timeoutAtMs);
          if (timeoutAt - now > yearMs) {
            fail(ErrorReason.WAIT_TOO_LONG, "waits are limited to one year (365 days)");
            break;
          }
          // Exclusive on the name: events committed before are visible to the scan below, and
          // any ingest after us sees the wait (see waitNamesLock).
          await waitNamesLock(tx, [w.event], "exclusive");
          const spec = { match: w.match, expression: w.expression, triggerEvent: work.triggerEvent };
          const hit = (await eventsAfter(tx, w.event, work.eventSeqFloor)).map(toEventJson).find((e) => waitMatches(spec, e));
          const key = listenerKey(spec);
          if (hit) done(hit);
          else if (timeoutAt <= now) done(null);
          else if (
            key.kind === "scan" &&
            w.expression !== "" &&
            !(await waitExists(tx, work.runId, op.stepId)) &&
            (await unkeyedWaitCount(tx, w.event, unkeyedWaitsPerEvent)) >= unkeyedWaitsPerEvent
          ) {
            fail(
              ErrorReason.TOO_MANY_WAITS,
              `"${w.event}" already has ${unkeyedWaitsPerEvent} open waits whose \`if\` has no key, each evaluated against every "${w.event}" event: ` +
                "use `match`, or an `if` with an `async.<field> == event.<field>` term, which is looked up by index",
            );
          } else {
            await waitCreate(tx, {
              ...(key.kind === "scan" ? {} : { keyPath: key.path, matchKey: key.kind === "keyed" ? key.key : null }),
              ...step,
              runId: work.runId,
              kind: "event",
              eventName: w.event,
              expression: w.expression,
              match: w.match,
              triggerEvent: work.triggerEvent,
              minSeq: work.eventSeqFloor,
              timeoutAtMs: timeoutAt,
            });
            pending.add("waiting");
          }
          break;
        }
        case "invoke": {
          const v = op.opts.value;
          if (await waitExists(tx, work.runId, op.stepId)) {
            pending.add("waiting"); // already invoked: a replay reports it again
            break;
          }
          const appId = v.appId || work.appId;
          const fn = await functionCurrent(tx, { appId, functionId: v.functionId });
          if (!fn) {
            fail(ErrorReason.FUNCTION_NOT_FOUND, `no function "${v.functionId}" is registered in app "${appId}"`);
            break;
          }
          let data: Record<string, unknown> = {};
          try {
            data = v.dataJson.length ? JSON.parse(utf8.decode(v.dataJson)) : {};
          } catch {
            fail(ErrorReason.INVALID_INVOKE_DATA, "data is not valid JSON");
            break;
          }
          const unstorable = findUnstorable(data, "data");
          if (unstorable) {
            fail(ErrorReason.INVALID_INVOKE_DATA, unstorableMessage(unstorable));
            break;
          }
          // The child is a run of its own, started by an internal event; idempotent per parent step.
          const event = { id: `invoke-${work.runId}-${op.stepId}`, producerId: true, name: systemEvents.functionInvoked, data, user: null, ts: now, v: "" };
          const [appended] = await appendEvents(tx, [
            {
              kind: "invoke",
              event,
              target: {
                appId,
                functionId: v.functionId,
                version: fn.version,
                config: readFunctionConfig(fn.config, functionVersionKey(appId, v.functionId, fn.version)),
              },
            },
          ]);
          // An invoke always ends: a child that cannot start fails the step now (nothing would
          // ever resume a wait for it), whatever its timeout.
          if (!appended?.ok) throw appended?.error ?? new Error("invoke: no outcome for its event");
          const notStarted =
            appended.stored.length === 0
              ? `the invoke's event id ${JSON.stringify(event.id)} was already used by another event`
              : appended.startedRunId === null
                ? `function "${v.functionId}" started no run: its idempotency key was used within 24 h, or did not evaluate`
                : undefined;
          if (notStarted !== undefined) {
            fail(ErrorReason.INVOKE_NOT_STARTED, notStarted);
            break;
          }
          await waitCreate(tx, { ...step, runId: work.runId, kind: "invoke", childRunId: appended.startedRunId, timeoutAtMs: Number(v.timeoutAtMs) || null });
          pending.add("waiting");
          break;
        }
        case "sendEvent": {
          const [sent] = await appendEvents(tx, [{ kind: "step", events: op.opts.value.events, nowMs: now }]);
          if (sent!.ok) done({ ids: sent!.ids });
          else {
            // The step fails `invalid_event`, like the SDK's own check; a finer refusal
            // (`event_too_large`, `reserved_event_name`, …) is its cause, as SendEvents answers it.
            const refused = reasonOfError(sent!.error, ErrorReason.INVALID_EVENT);
            const finer = refused.reason === ErrorReason.INVALID_EVENT ? undefined : reasonErrorInfo(ErrorCode.UNSPECIFIED, refused.reason, refused.detail);
            fail(ErrorReason.INVALID_EVENT, refused.detail, finer);
          }
          break;
        }
        default:
          break;
      }
    }
    if (resolved.length > 0) {
      const inserted = await stepsInsert(tx, work.runId, resolved, leaseMs);
      const storedIds = new Set(inserted.stored);
      return {
        kind: "continue" as const,
        stored: resolved.filter((s) => storedIds.has(s.stepId)),
        stepCount: inserted.stepCount,
        eventSeqFloor: inserted.eventSeqFloor,
      };
    }
    const status: RunStatusName = pending.has("waiting") ? "waiting" : pending.has("sleeping") ? "sleeping" : "running";
    await runPark(tx, { runId: work.runId, leaseId: work.leaseId, status });
    return { kind: "parked" as const };
  });
}
