import { fromErrorInfoJson } from "../errors/error-info-json.js";
import { deserializeError } from "../errors/serialize.js";
import { fromEventJson } from "../event/from-event-json.js";
import type { FunctionFailedEventData } from "../event/system-events.js";
import type { FailureContext, HandlerContext } from "./types.js";

/**
 * Builds an onFailure handler's context from the context of its run, which a
 * `tenax/function.failed` event triggered: `event` is the failed run's
 * triggering event (normalised like any triggering event), `error` its
 * deserialized error, `failedRunId` its run id; `step`, `runId`, `attempt`
 * and `logger` are the failure run's own.
 */
export function toFailureContext(ctx: HandlerContext<Partial<FunctionFailedEventData>>): FailureContext {
  const data: Partial<FunctionFailedEventData> = ctx.event.data ?? {};
  const failedRunId = typeof data.run_id === "string" ? data.run_id : "";
  const info = fromErrorInfoJson(data.error);
  return {
    event: fromEventJson(data.event),
    error: info ? deserializeError(info) : new Error(`run "${failedRunId}" failed (no error recorded)`),
    step: ctx.step,
    runId: ctx.runId,
    failedRunId,
    attempt: ctx.attempt,
    logger: ctx.logger,
  };
}
