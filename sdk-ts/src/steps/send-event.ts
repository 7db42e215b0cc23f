import { NonRetriableError } from "../errors/non-retriable-error.js";
import { toProtoEvent } from "../event/to-proto-event.js";
import type { EventPayload } from "../event/types.js";
import { requireStepId } from "./step-args.js";
import type { StepHost } from "./step-host.js";

/** What `step.sendEvent` resolves with: the effective event ids, in order. */
export interface SendEventResult {
  ids: string[];
}

/**
 * Sends one or more events as a durable step: the executor sends them once
 * and memoizes their ids, so a replay never sends again. Events are
 * `{ name, data?, id?, user?, ts?, v? }` as for `tenax.send`.
 *
 * An empty list makes no step and resolves with `{ ids: [] }`. An invalid
 * event throws a NonRetriableError `invalid_event`.
 */
export type SendEventTool = (id: string, events: EventPayload | EventPayload[]) => Promise<SendEventResult>;

export function createSendEventTool(host: StepHost): SendEventTool {
  return (id, input) => {
    requireStepId("step.sendEvent", id);
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) return Promise.resolve({ ids: [] });
    const events = list.map((payload, index) => {
      try {
        return toProtoEvent(payload, index);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        throw new NonRetriableError(`step.sendEvent("${id}"): ${detail}`, { code: "invalid_event", cause: err });
      }
    });
    return host.handle({ kind: "op", id, type: "step.sendEvent", op: { case: "sendEvent", value: { events } } }) as Promise<SendEventResult>;
  };
}
