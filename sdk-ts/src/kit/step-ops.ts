import { create, type JsonObject } from "@bufbuild/protobuf";
import { ErrorCode, ErrorReason, EventSchema, OpCode, reasonErrorInfo, reasonOfError, type ErrorInfo, type Event } from "@tenax/proto";
import { compileExpression, toEventJson, waitMatches } from "@tenax/match";
import type { ReportedOp } from "../execution/ops.js";
import { decodeJson, encodeJson } from "../json/codec.js";
import type { RunStatus } from "../runs/run.js";
import { appendDirect, consumeWait, ingest } from "./events.js";
import { enqueueDiscovery, finish, resolveStep, startRun, storeStep } from "./runs.js";
import { ENDED, YEAR_MS, type Kit, type OpenWait, type RunState, type StepResult } from "./state.js";

// Step ops the executor carries out itself: sleeps, waits, invokes, sends and parallel plans.

export function failStep(k: Kit, run: RunState, op: ReportedOp, reason: ErrorReason, message: string): { error: ErrorInfo } {
  return { error: reasonErrorInfo(ErrorCode.USER, reason, `step "${op.userId}": ${message}`, "StepError") };
}

/** Sleeps, waits, invokes, sends and parallel plans (PROTOCOL §6.2). */
export function stepOps(k: Kit, run: RunState, ops: ReportedOp[]): void {
  for (const op of ops) {
    const expr = op.opts?.case === "waitForEvent" ? op.opts.value.expression : "";
    if (!expr) continue;
    try {
      compileExpression(expr);
    } catch (err) {
      const { reason, detail } = reasonOfError(err, ErrorReason.INVALID_EXPRESSION);
      return finish(k, run, "failed", undefined, reasonErrorInfo(ErrorCode.INVALID_EXPRESSION, reason, `step "${op.userId}": ${detail}`));
    }
  }
  const now = k.time.now();
  const resolved: Array<{ op: ReportedOp; result: StepResult }> = [];
  const done = (op: ReportedOp, value: unknown) => resolved.push({ op, result: { data: encodeJson(value ?? null) } });
  const fail = (op: ReportedOp, reason: ErrorReason, message: string) => resolved.push({ op, result: failStep(k, run, op, reason, message) });
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
        k.queue.push({ run, own: true, attempt: 0, target: stepId });
      }
      continue;
    }
    switch (op.opts?.case) {
      case "sleep": {
        const until = Number(op.opts.value.untilMs);
        if (until - now > YEAR_MS) fail(op, ErrorReason.SLEEP_TOO_LONG, "sleeps are limited to one year (365 days)");
        else if (until <= now) done(op, null);
        else if (!run.pending.has(stepId)) {
          const timer = k.time.set({ at: until, kind: "sleep", runId: run.id, fire: () => resolveStep(k, run, stepId, { data: encodeJson(null) }) });
          run.pending.set(stepId, timer);
          park("sleeping");
        } else park("sleeping");
        break;
      }
      case "waitForEvent": {
        const w = op.opts.value;
        const timeoutAt = Number(w.timeoutAtMs);
        if (timeoutAt - now > YEAR_MS) {
          fail(op, ErrorReason.WAIT_TOO_LONG, "k.waits are limited to one year (365 days)");
          break;
        }
        const spec = { match: w.match, expression: w.expression, triggerEvent: run.eventJson as unknown as Record<string, unknown> };
        const open = k.waits.find((x) => x.runId === run.id && x.stepId === stepId);
        const floor = open?.minSeq ?? run.floor;
        const hit = k.events.find((e) => e.name === w.event && e.seq > floor && waitMatches(spec, toEventJson(e)));
        if (hit) {
          if (open) consumeWait(k, open);
          run.pending.delete(stepId);
          done(op, toEventJson(hit));
        } else if (timeoutAt <= now) {
          if (open) consumeWait(k, open);
          run.pending.delete(stepId);
          done(op, null);
        } else {
          if (!open) {
            const wait: OpenWait = { runId: run.id, stepId, eventName: w.event, ...spec, minSeq: floor, cancelTimer: () => timer.cancel() };
            const timer = k.time.set({
              at: timeoutAt,
              kind: "wait",
              runId: run.id,
              fire: () => {
                const i = k.waits.indexOf(wait);
                if (i < 0) return;
                k.waits.splice(i, 1);
                resolveStep(k, run, stepId, { data: encodeJson(null) });
              },
            });
            k.waits.push(wait);
            run.pending.set(stepId, { cancel: () => consumeWait(k, wait) });
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
        const target = k.functions.get(`${appId}/${v.functionId}`);
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
          k,
          create(EventSchema, { id: `invoke-${run.id}-${stepId}`, name: "tenax/function.invoked", data: data as JsonObject, ts: BigInt(now) }),
        );
        const timeoutAt = Number(v.timeoutAtMs);
        const timer =
          timeoutAt > 0
            ? k.time.set({
                at: timeoutAt,
                kind: "invoke",
                runId: run.id,
                fire: () => {
                  if (!run.pending.has(stepId)) return;
                  resolveStep(k, run, stepId, {
                    error: reasonErrorInfo(
                      ErrorCode.TIMEOUT,
                      ErrorReason.INVOKE_TIMEOUT,
                      `step "${op.userId}": the invoked run ${child.id} did not finish in k.time; it keeps running`,
                      "InvokeTimeoutError",
                    ),
                  });
                },
              })
            : undefined;
        run.pending.set(stepId, { cancel: () => timer?.cancel() });
        const child = startRun(k, target, invokeEvent, {}, { run, stepId, userId: op.userId!, name: op.name || op.userId! });
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
        done(op, { ids: ingest(k, list).ids });
        break;
      }
      default:
        break;
    }
  }
  if (ENDED.has(run.status)) return; // it cancelled itself (sendEvent)
  if (resolved.length > 0) {
    for (const { op, result } of resolved) storeStep(k, run, op.stepId!, op, result);
    if (run.crashAt(run.order.length)) k.pendingCrashes.push(run);
    enqueueDiscovery(k, run, true);
    return;
  }
  // Parked: it holds nothing until something resolves.
  run.status = parkedOn;
}
