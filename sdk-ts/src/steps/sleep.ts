import type { Duration } from "../time/duration.js";
import { checkWaitLimit, parseStepDuration, requireStepId } from "./step-args.js";
import type { StepHost } from "./step-host.js";

/**
 * Pauses the run for `duration` (ms, or "500ms", "30s", "5m", "1h", "2d",
 * "1w"), at most 365 days. The worker is free meanwhile: the executor wakes
 * the run at `now + duration`, measured when the step is first reached, and
 * replays resolve at once with `undefined`.
 *
 * Throws a NonRetriableError (`invalid_duration`, `sleep_too_long`) for a bad
 * or too long duration.
 */
export type SleepTool = (id: string, duration: Duration) => Promise<void>;

export function createSleepTool(host: StepHost): SleepTool {
  return (id, duration) => {
    requireStepId("step.sleep", id);
    const ms = parseStepDuration("step.sleep", id, "duration", duration);
    checkWaitLimit("step.sleep", id, `the sleep of ${String(duration)}`, ms, "sleep_too_long");
    const untilMs = host.now() + ms;
    return host.handle({
      kind: "op",
      id,
      type: "step.sleep",
      op: { case: "sleep", value: { untilMs: BigInt(untilMs) } },
      decode: () => undefined,
    }) as Promise<void>;
  };
}
