import { FUNCTION_FAILED_EVENT, type FunctionFailedEventData } from "../event/system-events.js";
import { celString } from "./cel-string.js";
import type { TenaxFunction } from "./create-function.js";
import { toFailureContext } from "./failure-context.js";
import { toFunctionConfig } from "./function-config.js";
import type { EventTriggerOptions, FunctionDefaults, FunctionOptions, Handler } from "./types.js";

/** Id of the function running `onFailure` of function `functionId`. */
export function failureFunctionId(functionId: string): string {
  return `${functionId}-failure`;
}

/**
 * The trigger of a failure function: `tenax/function.failed` events of the
 * parent function in its app. Without an app id (a function created outside
 * a Tenax client) only the function id is matched.
 */
export function failureTrigger(functionId: string, appId?: string): EventTriggerOptions {
  const conditions = [`event.data.function_id == ${celString(functionId)}`];
  if (appId !== undefined) conditions.push(`event.data.app_id == ${celString(appId)}`);
  return { event: FUNCTION_FAILED_EVENT, if: conditions.join(" && ") };
}

/**
 * The companion function of a function with `onFailure`: id "<id>-failure",
 * name "<name> (failure handler)", the parent's retries and checkpointing
 * (its own, else the client default), triggered by the parent's
 * `tenax/function.failed` events; its handler calls `onFailure` with the
 * original event and the error (see toFailureContext).
 */
export function createFailureFunction(
  options: FunctionOptions<any>,
  appId?: string,
  defaults: FunctionDefaults = {},
): TenaxFunction<Partial<FunctionFailedEventData>, unknown> | undefined {
  const onFailure = options.onFailure;
  if (onFailure === undefined) return undefined;
  const id = failureFunctionId(options.id);
  const config = toFunctionConfig(
    { id, name: `${options.name ?? options.id} (failure handler)`, retries: options.retries, checkpointing: options.checkpointing },
    failureTrigger(options.id, appId),
    defaults,
  );
  const handler: Handler<Partial<FunctionFailedEventData>> = (ctx) => onFailure(toFailureContext(ctx));
  return appId === undefined ? { id, config, handler } : { id, appId, config, handler };
}

/** `functions` with each one's failure function right after it (once, even if listed too). */
export function withFailureFunctions(functions: readonly TenaxFunction<any, any>[]): TenaxFunction<any, any>[] {
  const seen = new Set<TenaxFunction<any, any>>();
  const result: TenaxFunction<any, any>[] = [];
  const add = (fn: TenaxFunction<any, any>) => {
    if (seen.has(fn)) return;
    seen.add(fn);
    result.push(fn);
  };
  for (const fn of functions) {
    add(fn);
    if (fn?.failureFunction) add(fn.failureFunction);
  }
  return result;
}
