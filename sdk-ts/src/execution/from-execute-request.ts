import type { ExecuteRequest, MemoEntry } from "@tenax/proto";
import { fromStoredEvent } from "../event/from-stored-event.js";
import type { Logger } from "../logger/logger.js";
import type { ExecutionInput } from "./execute.js";
import type { MemoEntryInput } from "./memo.js";

/** Maps an execute request (with its complete memo) to engine input. */
export function fromExecuteRequest(request: ExecuteRequest, fullMemo: readonly MemoEntry[], logger: Logger): ExecutionInput {
  const event = fromStoredEvent(request.event);
  const events = request.events.length > 0 ? request.events.map(fromStoredEvent) : [event];
  return {
    runId: request.runId,
    appId: request.appId,
    functionId: request.functionId,
    attempt: request.attempt,
    maxAttempts: request.maxAttempts,
    event,
    events,
    memo: fullMemo.map(toMemoInput),
    targetStepId: request.targetStepId || undefined,
    disableImmediateExecution: request.disableImmediateExecution,
    logger,
  };
}

function toMemoInput(entry: MemoEntry): MemoEntryInput {
  switch (entry.result.case) {
    case "data":
      return { stepId: entry.stepId, data: entry.result.value };
    case "error":
      return { stepId: entry.stepId, error: entry.result.value };
    default:
      // Neither set: a finished step with no output.
      return { stepId: entry.stepId, data: new Uint8Array() };
  }
}
