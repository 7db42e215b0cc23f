// Public API of @tenax/sdk. Everything exported here is supported; deep
// imports are not.
export { Tenax } from "./client/tenax.js";
export type { TenaxOptions } from "./client/config.js";
export type { SendResult } from "./client/send-events.js";
export type { RunsClient } from "./runs/runs-client.js";
export type { Run, RunDetails, RunOutput, RunStatus, RunStep, RunUpdate } from "./runs/run.js";
export { RUN_STATUSES } from "./runs/run.js";
export type { ListRunsOptions, RunPage } from "./runs/list-runs.js";
export type { WatchRunOptions } from "./runs/watch-run.js";
export type { RunResultOptions, RunTarget } from "./runs/await-result.js";
export type { EventRunTarget } from "./runs/find-event-run.js";

export type { TenaxFunction } from "./function/create-function.js";
export type {
  CancelOnOption,
  CheckpointingOptions,
  ConcurrencyOption,
  CronTriggerOptions,
  EventTriggerOptions,
  FailureContext,
  FailureHandler,
  FunctionOptions,
  Handler,
  HandlerContext,
  TriggerOptions,
} from "./function/types.js";
export type { EventPayload, JsonObject, JsonValue, TenaxEvent } from "./event/types.js";
export { FUNCTION_FAILED_EVENT, FUNCTION_FINISHED_EVENT } from "./event/system-events.js";
export type { EventJson, FunctionFailedEventData, FunctionFinishedEventData } from "./event/system-events.js";
export type { StepTools } from "./steps/step-tools.js";
export type { RunTool } from "./steps/run.js";
export type { SleepTool } from "./steps/sleep.js";
export type { SleepUntilTool } from "./steps/sleep-until.js";
export type { WaitForEventOptions, WaitForEventTool } from "./steps/wait-for-event.js";
export type { InvokeData, InvokeOptions, InvokeResult, InvokeTool } from "./steps/invoke.js";
export type { SendEventResult, SendEventTool } from "./steps/send-event.js";
export type { Jsonify } from "./json/jsonify.js";

export { TenaxError } from "./errors/tenax-error.js";
export { NonRetriableError } from "./errors/non-retriable-error.js";
export { RetryAfterError } from "./errors/retry-after-error.js";
export { StepError } from "./errors/step-error.js";
export { RunFailedError } from "./errors/run-failed-error.js";
export { isNonRetriableError, isRetryAfterError, isStepError } from "./errors/guards.js";
export { isRunFailedError } from "./errors/guards.js";
export { serializeError, deserializeError } from "./errors/serialize.js";
export type { SerializedError, ErrorInfoLike } from "./errors/serialize.js";
export { fromErrorInfoJson } from "./errors/error-info-json.js";
export type { ErrorInfoJson } from "./errors/error-info-json.js";

export { parseDuration } from "./time/duration.js";
export type { Duration, DurationUnit } from "./time/duration.js";
export type { DateInput } from "./time/date-input.js";

export { createJsonLogger } from "./logger/logger.js";
export type { JsonLoggerOptions, LogFields, Logger, LogLevel } from "./logger/logger.js";

export type { CloseOptions, ConnectOptions, Worker } from "./worker/types.js";
export type { BackoffOptions } from "./worker/backoff.js";
export { SDK_NAME, SDK_VERSION } from "./version.js";
