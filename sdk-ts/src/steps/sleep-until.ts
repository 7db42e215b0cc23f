import { NonRetriableError } from "../errors/non-retriable-error.js";
import { toEpochMs, type DateInput } from "../time/date-input.js";
import { checkWaitLimit, describeInput, requireStepId } from "./step-args.js";
import type { StepHost } from "./step-host.js";

/**
 * Pauses the run until `at`: a Date, an ISO 8601 string or ms since the
 * epoch, at most 365 days ahead. A time in the past still makes a (durable)
 * step that the executor resolves at once. Replays resolve with `undefined`.
 *
 * Throws a NonRetriableError `invalid_date` for an Invalid Date, a string
 * that is not an ISO date, or a non-finite number, and `sleep_too_long`
 * beyond the limit, so the run fails with a clear error.
 */
export type SleepUntilTool = (id: string, at: DateInput) => Promise<void>;

export function createSleepUntilTool(host: StepHost): SleepUntilTool {
  return (id, at) => {
    requireStepId("step.sleepUntil", id);
    const untilMs = toEpochMs(at);
    if (untilMs === undefined) {
      throw new NonRetriableError(`step.sleepUntil("${id}"): invalid date ${describeInput(at)}; use a Date, an ISO 8601 string or ms since the epoch`, {
        code: "invalid_date",
      });
    }
    checkWaitLimit("step.sleepUntil", id, `the sleep until ${new Date(untilMs).toISOString()}`, untilMs - host.now(), "sleep_too_long");
    return host.handle({
      kind: "op",
      id,
      type: "step.sleepUntil",
      op: { case: "sleep", value: { untilMs: BigInt(untilMs) } },
      decode: () => undefined,
    }) as Promise<void>;
  };
}
