import { createInvokeTool, type InvokeTool } from "./invoke.js";
import { createRunTool, type RunTool } from "./run.js";
import { createSendEventTool, type SendEventTool } from "./send-event.js";
import type { StepHost } from "./step-host.js";
import { createSleepUntilTool, type SleepUntilTool } from "./sleep-until.js";
import { createSleepTool, type SleepTool } from "./sleep.js";
import { createWaitForEventTool, type WaitForEventTool } from "./wait-for-event.js";

/**
 * The `step` object of a handler context. Every tool makes a durable,
 * memoized step; ids share one counter per run ("x", "x:1", ...) across tools.
 * `run` executes its body in the worker; the others are carried out by the
 * executor and resolve on a later replay.
 */
export interface StepTools {
  /** Runs a durable, memoized step. See {@link RunTool}. */
  run: RunTool;
  /** Pauses the run for a duration. See {@link SleepTool}. */
  sleep: SleepTool;
  /** Pauses the run until a point in time. See {@link SleepUntilTool}. */
  sleepUntil: SleepUntilTool;
  /** Waits for an event, or null on timeout. See {@link WaitForEventTool}. */
  waitForEvent: WaitForEventTool;
  /** Runs another function and returns its result. See {@link InvokeTool}. */
  invoke: InvokeTool;
  /** Sends events exactly once. See {@link SendEventTool}. */
  sendEvent: SendEventTool;
}

export function createStepTools(host: StepHost): StepTools {
  return {
    run: createRunTool(host),
    sleep: createSleepTool(host),
    sleepUntil: createSleepUntilTool(host),
    waitForEvent: createWaitForEventTool(host),
    invoke: createInvokeTool(host),
    sendEvent: createSendEventTool(host),
  };
}
