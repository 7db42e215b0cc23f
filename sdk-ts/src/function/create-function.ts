import type { FunctionConfig } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import type { FunctionFailedEventData } from "../event/system-events.js";
import { createFailureFunction } from "./failure-function.js";
import { toFunctionConfig } from "./function-config.js";
import type { FunctionDefaults, FunctionOptions, Handler, TriggerOptions } from "./types.js";

/** A function ready to be served by a worker. */
export interface TenaxFunction<TData = Record<string, any>, TResult = unknown> {
  readonly id: string;
  /** App id of the Tenax client that created it (step.invoke targets that app). */
  readonly appId?: string;
  /** The config registered with the executor. */
  readonly config: FunctionConfig;
  readonly handler: Handler<TData, TResult>;
  /** The "<id>-failure" function running `onFailure`, if set; connect() registers it too. */
  readonly failureFunction?: TenaxFunction<Partial<FunctionFailedEventData>, unknown>;
}

/**
 * Validates options and pairs the resulting config with its handler (and the
 * app it belongs to). `defaults` are the client's (see FunctionDefaults).
 */
export function createFunction<TData = Record<string, any>, TResult = unknown>(
  options: FunctionOptions<TData>,
  trigger: TriggerOptions | TriggerOptions[],
  handler: Handler<TData, TResult>,
  appId?: string,
  defaults: FunctionDefaults = {},
): TenaxFunction<TData, TResult> {
  const config = toFunctionConfig(options, trigger, defaults);
  if (typeof handler !== "function") {
    throw new TenaxError("invalid_config", `function "${options.id}": handler must be a function`);
  }
  const failureFunction = createFailureFunction(options, appId, defaults);
  return {
    id: config.id,
    ...(appId === undefined ? {} : { appId }),
    config,
    handler,
    ...(failureFunction === undefined ? {} : { failureFunction }),
  };
}
