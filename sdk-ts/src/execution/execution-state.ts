import { NonRetriableError } from "../errors/non-retriable-error.js";
import type { StepHost, StepRequest } from "../steps/step-host.js";
import { createStepIdAllocator, hashStepId } from "../steps/step-id.js";
import type { StepOpOptions } from "../steps/step-op.js";
import { createMemo, type MemoEntryInput } from "./memo.js";
import { pendingStep, readMemo, type MemoOutcome } from "./memo-result.js";
import type { StepIdentity } from "./ops.js";
import { createReplayOrder } from "./replay-order.js";

/** A step the handler reached that the memo has no result for. */
export type FoundStep = StepIdentity & ({ kind: "inline"; run: () => unknown } | { kind: "op"; op: StepOpOptions });

export interface ExecutionState extends StepHost {
  /** New steps, in discovery order. */
  readonly found: readonly FoundStep[];
  /** Resolves at the next discovery of a new step. */
  nextDiscovery(): Promise<void>;
  /** True while memo hits are still settling (the handler may reach more steps). */
  replayBusy(): boolean;
  /** Resolves once no memo hit is settling. */
  replayIdle(): Promise<void>;
  /**
   * True while the handler is still replaying: not every memo entry has been
   * handed back (settled) to it yet, and it has not requested a step missing
   * from the memo. Once false, stays false until resume(), after which it
   * says what a fresh replay over the longer memo would say at this point.
   */
  replaying(): boolean;
  /** Hashed ids of memo entries no step call asked for, in memo order. */
  unrequestedMemo(): string[];
  /** Called once the ops are decided: later step calls are rejected, queued memo hits never settle. */
  close(): void;
  /**
   * True once a step call was rejected after close(): the handler did something
   * a fresh replay might not repeat, so it must not be resumed in place.
   */
  diverged(): boolean;
  /**
   * Continues a closed execution in place, as a fresh replay over the memo
   * plus `entry` would: `entry` is memoized, the one step found (whose body
   * ran) settles with it, and step calls are accepted again. False (nothing
   * changes) unless exactly one step was found, it is `entry`'s, and the
   * execution has not diverged.
   */
  resume(entry: MemoEntryInput): boolean;
}

export interface ExecutionStateOptions {
  /** Clock for absolute op times. Default Date.now. */
  now?: () => number;
  /** App id of the running function. */
  appId?: string;
}

/**
 * Tracks one execution: allocates step ids, answers memo hits (in memo order,
 * see ReplayOrder), records new steps, and can resume the one step found.
 */
export function createExecutionState(entries: readonly MemoEntryInput[], options: ExecutionStateOptions = {}): ExecutionState {
  const memo = createMemo(entries);
  const allocate = createStepIdAllocator();
  let order = createReplayOrder();
  const clock = options.now ?? Date.now;
  const found: FoundStep[] = [];
  // Parallel to `found`: how to settle each found step's pending call.
  const pending: Array<{ userId: string; decode: StepRequest["decode"]; settle(outcome: MemoOutcome): void }> = [];
  const requested = new Set<string>();
  const settled = new Set<string>();
  let nextIndex = entries.length;
  let wake: (() => void) | undefined;
  let discovery: Promise<void> | undefined;
  let closed = false;
  let rejectedCalls = false;

  return {
    found,
    appId: options.appId ?? "",
    now: () => Math.round(clock()),
    nextDiscovery() {
      discovery ??= new Promise<void>((resolve) => {
        wake = resolve;
      });
      return discovery;
    },
    replayBusy: () => order.busy(),
    replayIdle: () => order.idle(),
    replaying: () => found.length === 0 && settled.size < memo.size,
    // Fast path: asked at every decision, and usually every entry was requested.
    unrequestedMemo: () => (requested.size === memo.size ? [] : [...memo.keys()].filter((id) => !requested.has(id))),
    close() {
      closed = true;
      order.stop();
    },
    diverged: () => rejectedCalls,
    resume(entry) {
      if (!closed || rejectedCalls || found.length !== 1 || found[0].hashedId !== entry.stepId) return false;
      const [step] = pending;
      memo.set(entry.stepId, { entry, index: nextIndex++ });
      requested.add(entry.stepId);
      // Settled before the handler resumes, so its next lines log (see replaying()).
      settled.add(entry.stepId);
      found.length = 0;
      pending.length = 0;
      closed = false;
      order = createReplayOrder();
      step.settle(readMemo(entry, step.userId, step.decode));
      return true;
    },
    handle(request: StepRequest) {
      if (closed) {
        rejectedCalls = true;
        // Only a step body (or code still running after the decision) gets
        // here; a nested step would never settle, so fail it clearly instead.
        const error = new NonRetriableError(`step "${request.id}" was called inside another step's body; steps cannot be nested`);
        const rejected = Promise.reject(error);
        rejected.catch(() => {});
        return rejected;
      }
      const userId = allocate(request.id);
      const hashedId = hashStepId(userId);
      const hit = memo.get(hashedId);
      if (hit) {
        requested.add(hashedId);
        const outcome = readMemo(hit.entry, userId, request.decode);
        const call = pendingStep();
        order.enqueue(hit.index, () => {
          // Counted before the handler resumes, so code after the last replayed step logs.
          settled.add(hashedId);
          call.settle(outcome);
        });
        return call.promise;
      }
      const identity: StepIdentity = { hashedId, userId, name: request.id, type: request.type };
      found.push(request.kind === "inline" ? { ...identity, kind: "inline", run: request.run } : { ...identity, kind: "op", op: request.op });
      const notify = wake;
      wake = undefined;
      discovery = undefined;
      notify?.();
      // Settles only if the execution is resumed with this step's result (see
      // resume); otherwise never: the request ends with an op for this step.
      const call = pendingStep();
      pending.push({ userId, decode: request.decode, settle: call.settle });
      return call.promise;
    },
  };
}
