import { NonRetriableError } from "../errors/non-retriable-error.js";
import { StepError } from "../errors/step-error.js";
import { deserializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { decodeJson } from "../json/codec.js";
import type { StepHost, StepRequest } from "../steps/step-host.js";
import { createStepIdAllocator, hashStepId } from "../steps/step-id.js";
import type { Memo, MemoEntryInput } from "./memo.js";
import type { StepIdentity } from "./ops.js";

/** A step the handler reached that the memo has no result for. */
export interface FoundStep extends StepIdentity {
  run: () => unknown;
}

export interface ExecutionState extends StepHost {
  /** New steps, in discovery order. */
  readonly found: readonly FoundStep[];
  /** Resolves at the next discovery of a new step. */
  nextDiscovery(): Promise<void>;
  /** Called once the ops are decided: later step calls are rejected. */
  close(): void;
}

/** Tracks one replay: allocates step ids, answers memo hits, records new steps. */
export function createExecutionState(memo: Memo): ExecutionState {
  const allocate = createStepIdAllocator();
  const found: FoundStep[] = [];
  let wake: (() => void) | undefined;
  let discovery: Promise<void> | undefined;
  let closed = false;

  return {
    found,
    nextDiscovery() {
      discovery ??= new Promise<void>((resolve) => {
        wake = resolve;
      });
      return discovery;
    },
    close() {
      closed = true;
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
      const entry = memo.get(hashedId);
      if (entry) return fromMemo(entry, userId);
      found.push({ hashedId, userId, name: request.id, type: request.type, run: request.run });
      const notify = wake;
      wake = undefined;
      discovery = undefined;
      notify?.();
      // Never settles in this execution: the request ends with an op for this step.
      return new Promise<never>(() => {});
    },
  };
}

function fromMemo(entry: MemoEntryInput, userId: string): Promise<unknown> {
  let result: Promise<unknown>;
  if (entry.error) {
    const info = entry.error;
    result = Promise.reject(
      new StepError(info.message || `step "${userId}" failed`, { stepId: userId, cause: deserializeError(info), stack: info.stack }),
    );
  } else {
    try {
      result = Promise.resolve(decodeJson(entry.data ?? new Uint8Array()));
    } catch (err) {
      result = Promise.reject(new TenaxError("invalid_memo", `step "${userId}": memoized output is not valid JSON`, { cause: err }));
    }
  }
  // Handlers may await a step later than a macrotask after calling it; marking
  // the rejection handled keeps Node from reporting it as unhandled meanwhile.
  result.catch(() => {});
  return result;
}
