import { NonRetriableError } from "../errors/non-retriable-error.js";
import { StepError } from "../errors/step-error.js";
import { deserializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { decodeJson } from "../json/codec.js";
import type { StepHost, StepRequest } from "../steps/step-host.js";
import { createStepIdAllocator, hashStepId } from "../steps/step-id.js";
import type { StepOpOptions } from "../steps/step-op.js";
import type { Memo, MemoEntryInput } from "./memo.js";
import type { StepIdentity } from "./ops.js";
import { createReplayOrder } from "./replay-order.js";

/** A step the handler reached that the memo has no result for. */
export type FoundStep = StepIdentity &
  (
    | { kind: "inline"; run: () => unknown }
    | { kind: "op"; op: StepOpOptions }
  );

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
   * from the memo. Once false, stays false.
   */
  replaying(): boolean;
  /** Hashed ids of memo entries no step call asked for, in memo order. */
  unrequestedMemo(): string[];
  /** Called once the ops are decided: later step calls are rejected, queued memo hits never settle. */
  close(): void;
}

export interface ExecutionStateOptions {
  /** Clock for absolute op times. Default Date.now. */
  now?: () => number;
  /** App id of the running function. */
  appId?: string;
}

/**
 * Tracks one replay: allocates step ids, answers memo hits (in memo order,
 * see ReplayOrder), records new steps.
 */
export function createExecutionState(memo: Memo, options: ExecutionStateOptions = {}): ExecutionState {
  const allocate = createStepIdAllocator();
  const order = createReplayOrder();
  const clock = options.now ?? Date.now;
  const found: FoundStep[] = [];
  const requested = new Set<string>();
  const settled = new Set<string>();
  let wake: (() => void) | undefined;
  let discovery: Promise<void> | undefined;
  let closed = false;

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
    unrequestedMemo: () => [...memo.keys()].filter((id) => !requested.has(id)),
    close() {
      closed = true;
      order.stop();
    },
    handle(request: StepRequest) {
      if (closed) {
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
        return fromMemo(hit.entry, userId, request.decode, (settle) =>
          order.enqueue(hit.index, () => {
            // Counted before the handler resumes, so code after the last replayed step logs.
            settled.add(hashedId);
            settle();
          }),
        );
      }
      const identity: StepIdentity = { hashedId, userId, name: request.id, type: request.type };
      found.push(request.kind === "inline" ? { ...identity, kind: "inline", run: request.run } : { ...identity, kind: "op", op: request.op });
      const notify = wake;
      wake = undefined;
      discovery = undefined;
      notify?.();
      // Never settles in this execution: the request ends with an op for this step.
      return new Promise<never>(() => {});
    },
  };
}

/** A promise for a memoized result that settles when `schedule` calls back. */
function fromMemo(
  entry: MemoEntryInput,
  userId: string,
  decode: ((value: unknown) => unknown) | undefined,
  schedule: (settle: () => void) => void,
): Promise<unknown> {
  const outcome = readMemo(entry, userId, decode);
  const result = new Promise<unknown>((resolve, reject) => {
    schedule(() => (outcome.ok ? resolve(outcome.value) : reject(outcome.error)));
  });
  // Handlers may await a step later than a macrotask after calling it; marking
  // the rejection handled keeps Node from reporting it as unhandled meanwhile.
  result.catch(() => {});
  return result;
}

type MemoOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

function readMemo(entry: MemoEntryInput, userId: string, decode: ((value: unknown) => unknown) | undefined): MemoOutcome {
  if (entry.error) {
    const info = entry.error;
    const error = new StepError(info.message || `step "${userId}" failed`, { stepId: userId, cause: deserializeError(info), stack: info.stack });
    return { ok: false, error };
  }
  let value: unknown;
  try {
    value = decodeJson(entry.data ?? new Uint8Array());
  } catch (err) {
    return { ok: false, error: new TenaxError("invalid_memo", `step "${userId}": memoized output is not valid JSON`, { cause: err }) };
  }
  return { ok: true, value: decode ? decode(value) : value };
}
