import type { FunctionConfig } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import { toFunctionConfig } from "./function-config.js";
import type { FunctionOptions, Handler, TriggerOptions } from "./types.js";

/** A function ready to be served by a worker. */
export interface TenaxFunction<TData = Record<string, any>, TResult = unknown> {
  readonly id: string;
  /** The config registered with the executor. */
  readonly config: FunctionConfig;
  readonly handler: Handler<TData, TResult>;
}

/** Validates options and pairs the resulting config with its handler. */
export function createFunction<TData = Record<string, any>, TResult = unknown>(
  options: FunctionOptions,
  trigger: TriggerOptions | TriggerOptions[],
  handler: Handler<TData, TResult>,
): TenaxFunction<TData, TResult> {
  const config = toFunctionConfig(options, trigger);
  if (typeof handler !== "function") {
    throw new TenaxError("invalid_config", `function "${options.id}": handler must be a function`);
  }
  return { id: config.id, config, handler };
}
