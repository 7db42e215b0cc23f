import { systemEvents } from "@tenax/proto";
import type { ErrorInfoJson } from "../errors/error-info-json.js";
import type { JsonObject, JsonValue } from "./types.js";

/** Emitted by the services when a run fails (after its last retry). */
export const FUNCTION_FAILED_EVENT = systemEvents.functionFailed;
/** Emitted by the services when a run ends: completed, failed or cancelled. */
export const FUNCTION_FINISHED_EVENT = systemEvents.functionFinished;

/** An event in JSON form, as carried inside `tenax/function.*` events. */
export interface EventJson {
  id: string;
  name: string;
  data: JsonObject;
  user?: JsonObject;
  /** ms since the epoch (a number, or an int64 string). */
  ts: number | string;
  v?: string;
}

/**
 * Data of `tenax/function.failed`. Runs triggered by `tenax/function.*`
 * events emit neither this nor `tenax/function.finished`, so handlers of
 * these events cannot loop.
 */
export interface FunctionFailedEventData {
  function_id: string;
  app_id: string;
  run_id: string;
  /** The failed run's triggering event. */
  event: EventJson;
  /** The run's stored error (protobuf JSON of tenax.v1.ErrorInfo). */
  error: ErrorInfoJson;
}

/** Data of `tenax/function.finished`: `result` when the run completed, `error` otherwise. */
export interface FunctionFinishedEventData {
  function_id: string;
  app_id: string;
  run_id: string;
  /** The run's triggering event. */
  event: EventJson;
  result?: JsonValue;
  error?: ErrorInfoJson;
}
