import { create, toJson, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { ErrorCode, ErrorInfoSchema, ErrorReason, EventSchema, reasonErrorInfo, type ErrorInfo, type Event } from "@tenax/proto";
import { toEventJson } from "@tenax/match";
import { deserializeError, type ErrorInfoLike } from "../errors/serialize.js";
import type { TenaxEvent } from "../event/types.js";
import type { MemoEntryInput } from "../execution/memo.js";
import type { ReportedOp } from "../execution/ops.js";
import { encodeJson } from "../json/codec.js";
import { ingest } from "./events.js";
import { appOf, decode, ENDED, SYSTEM_PREFIX, type AnyFunction, type Item, type Kit, type RunState, type StepResult } from "./state.js";
import type { TestEvent, TestRun } from "./test-engine.js";
import type { TestRunOptions, TestStep } from "./types.js";

// Runs: started, queued, their steps stored, ended (with an invoking parent resumed and the
// lifecycle events the services write).

export function startRun(k: Kit, fn: AnyFunction, ev: TestEvent, opts: TestRunOptions, parent?: RunState["parent"]): RunState {
  const id = opts.runId ?? `run-${++k.runCounter}`;
  if (k.runsById.has(id)) throw new TypeError(`a run with id "${id}" exists already`);
  const event: TenaxEvent = { id: ev.id, name: ev.name, data: ev.data, ts: ev.ts };
  if (Object.keys(ev.user).length > 0) event.user = ev.user as TenaxEvent["user"];
  if (ev.v) event.v = ev.v;
  const crash = opts.crashAfterStep;
  const points = new Set(typeof crash === "number" ? [crash] : Array.isArray(crash) ? crash : []);
  const run: RunState = {
    id,
    fn,
    appId: appOf(k, fn),
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
  run.handle = k.makeHandle(run);
  k.runs.push(run);
  k.runsById.set(id, run);
  for (const rule of fn.config.cancelOn) {
    k.cancels.push({
      runId: id,
      eventName: rule.event,
      match: rule.match,
      expression: rule.expression,
      triggerEvent: run.eventJson as unknown as Record<string, unknown>,
      minSeq: ev.seq,
      expiresAt: rule.timeoutMs > 0n ? k.time.now() + Number(rule.timeoutMs) : Number.POSITIVE_INFINITY,
    });
  }
  enqueueDiscovery(k, run, false);
  return run;
}

export function enqueueDiscovery(k: Kit, run: RunState, front: boolean, target?: string): void {
  if (ENDED.has(run.status)) return;
  if (run.discoveryQueued && target === undefined) return;
  run.discoveryQueued = true;
  const item: Item = { run, own: false, attempt: run.attempt, ...(target ? { target } : {}) };
  if (front) k.queue.unshift(item);
  else k.queue.push(item);
}

/** A pending op resolved (timer, event, child run): its entry is stored and the run queued again. */
export function resolveStep(k: Kit, run: RunState, stepId: string, result: StepResult): void {
  run.pending.delete(stepId);
  if (ENDED.has(run.status)) return;
  storeStep(k, run, stepId, undefined, result);
  // A resumed run is a new claim: its wait floor is the sequence now.
  run.floor = k.seq;
  run.status = "queued";
  enqueueDiscovery(k, run, false);
}

export function storeStep(k: Kit, run: RunState, stepId: string, op: ReportedOp | undefined, result: StepResult): boolean {
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

export function finish(k: Kit, run: RunState, status: "completed" | "failed" | "cancelled", output: unknown, error?: ErrorInfo | ErrorInfoLike): void {
  if (ENDED.has(run.status)) return;
  run.status = status;
  if (status === "completed") run.output = output;
  if (error) run.error = error;
  for (const p of run.pending.values()) p.cancel();
  run.pending.clear();
  k.time.cancelRun(run.id);
  for (let i = k.waits.length - 1; i >= 0; i--) if (k.waits[i]!.runId === run.id) k.waits.splice(i, 1);
  for (let i = k.cancels.length - 1; i >= 0; i--) if (k.cancels[i]!.runId === run.id) k.cancels.splice(i, 1);
  for (let i = k.queue.length - 1; i >= 0; i--) if (k.queue[i]!.run === run) k.queue.splice(i, 1);
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
    resolveStep(k, parent.run, parent.stepId, result);
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
    ingest(k, list);
  }
}
