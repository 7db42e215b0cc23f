import { NonRetriableError } from "../errors/non-retriable-error.js";
import { fromMemoEvent } from "../event/from-memo-event.js";
import type { TenaxEvent } from "../event/types.js";
import type { Duration } from "../time/duration.js";
import { checkWaitLimit, parseStepDuration, requireStepId } from "./step-args.js";
import type { StepHost } from "./step-host.js";

/** Options of `step.waitForEvent`. `match` and `if` are mutually exclusive. */
export type WaitForEventOptions = {
  /** Name of the awaited event, e.g. "order/paid". */
  event: string;
  /** How long to wait (required, at most 365 days); then the step resolves with null. */
  timeout: Duration;
} & (
  | {
      /** Field path that must be equal on the triggering and the awaited event, e.g. "data.orderId". */
      match?: string;
      if?: never;
    }
  | {
      match?: never;
      /** CEL expression over `event` (the trigger) and `async` (the candidate), e.g. "event.data.id == async.data.id". */
      if?: string;
    }
);

/**
 * Waits for an event and resolves with it, or with `null` once `timeout`
 * (measured when the step is first reached) passes. Only events that arrive
 * while the wait is active can match. Replays return the memoized event.
 *
 * Throws a NonRetriableError: `invalid_wait` (no event name, no timeout, or
 * both `match` and `if`), `invalid_duration`, `wait_too_long`.
 */
export type WaitForEventTool = <TData = Record<string, any>>(id: string, options: WaitForEventOptions) => Promise<TenaxEvent<TData> | null>;

export function createWaitForEventTool(host: StepHost): WaitForEventTool {
  const tool = (id: string, options: WaitForEventOptions) => {
    requireStepId("step.waitForEvent", id);
    const invalid = (problem: string) => new NonRetriableError(`step.waitForEvent("${id}"): ${problem}`, { code: "invalid_wait" });
    if (typeof options !== "object" || options === null) throw invalid("options { event, timeout } are required");
    const { event, timeout, match, if: expression } = options;
    if (typeof event !== "string" || event === "") throw invalid("`event` must be a non-empty event name");
    if (timeout === undefined || timeout === null) throw invalid('`timeout` is required (e.g. "1h")');
    if (match !== undefined && expression !== undefined) throw invalid("use either `match` or `if`, not both");
    if (match !== undefined && (typeof match !== "string" || match === "")) throw invalid("`match` must be a non-empty field path");
    if (expression !== undefined && (typeof expression !== "string" || expression === "")) throw invalid("`if` must be a non-empty expression");
    const ms = parseStepDuration("step.waitForEvent", id, "timeout", timeout);
    checkWaitLimit("step.waitForEvent", id, `the timeout of ${String(timeout)}`, ms, "wait_too_long");
    return host.handle({
      kind: "op",
      id,
      type: "step.waitForEvent",
      op: {
        case: "waitForEvent",
        value: { event, timeoutAtMs: BigInt(host.now() + ms), expression: expression ?? "", match: match ?? "" },
      },
      decode: fromMemoEvent,
    });
  };
  return tool as WaitForEventTool;
}
