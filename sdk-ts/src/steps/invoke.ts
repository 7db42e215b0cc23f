import { NonRetriableError } from "../errors/non-retriable-error.js";
import type { TenaxFunction } from "../function/create-function.js";
import { encodeJson, jsonRoundTrip } from "../json/codec.js";
import type { Jsonify } from "../json/jsonify.js";
import type { Duration } from "../time/duration.js";
import { describeInput, parseStepDuration, requireStepId } from "./step-args.js";
import type { StepHost } from "./step-host.js";

/** The event data a function expects (its handler's `event.data`). */
export type InvokeData<F> = F extends TenaxFunction<infer TData, any> ? TData : Record<string, unknown>;

/** What invoking a function resolves with: its handler's return value after the JSON round trip. */
export type InvokeResult<F extends TenaxFunction<any, any>> = Jsonify<Awaited<ReturnType<F["handler"]>>>;

/** Options of `step.invoke`. */
export interface InvokeOptions<F> {
  /** The function to run: one returned by createFunction (any app), or a function id of this app. */
  function: F;
  /** The child's event data, a JSON object. Default `{}`. */
  data?: F extends TenaxFunction<any, any> ? InvokeData<F> : Record<string, unknown>;
  /** Give up after this long (the child keeps running). Default: no timeout. */
  timeout?: Duration;
}

/**
 * Runs another function as a step and resolves with its return value
 * (memoized like any step). If the child fails, is not found or times out,
 * the promise rejects with a StepError carrying the executor's error.
 *
 * A function of another Tenax client (different app id) is invoked in that
 * app. Throws a NonRetriableError `invalid_invoke` for a missing function or
 * data that is not a JSON object, `invalid_duration` for a bad timeout.
 */
export interface InvokeTool {
  <F extends TenaxFunction<any, any>>(id: string, options: InvokeOptions<F>): Promise<InvokeResult<F>>;
  (id: string, options: InvokeOptions<string>): Promise<unknown>;
}

export function createInvokeTool(host: StepHost): InvokeTool {
  return (id: string, options: InvokeOptions<TenaxFunction<any, any> | string>) => {
    requireStepId("step.invoke", id);
    const invalid = (problem: string, cause?: unknown) => new NonRetriableError(`step.invoke("${id}"): ${problem}`, { code: "invalid_invoke", cause });
    if (typeof options !== "object" || options === null) throw invalid("options { function } are required");
    const target = targetOf(options.function, host.appId);
    if (!target) throw invalid(`\`function\` must be a function from createFunction() or a function id, got ${describeInput(options.function)}`);

    let data: unknown;
    try {
      data = jsonRoundTrip(options.data ?? {});
    } catch (err) {
      throw invalid("`data` is not JSON-serializable", err);
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) throw invalid("`data` must be a JSON object");

    const timeoutMs = options.timeout === undefined ? undefined : parseStepDuration("step.invoke", id, "timeout", options.timeout);
    return host.handle({
      kind: "op",
      id,
      type: "step.invoke",
      op: {
        case: "invoke",
        value: {
          functionId: target.functionId,
          appId: target.appId,
          dataJson: encodeJson(data),
          timeoutAtMs: timeoutMs === undefined ? 0n : BigInt(host.now() + timeoutMs),
        },
      },
    });
  };
}

// app_id stays empty for the caller's own app.
function targetOf(fn: unknown, ownAppId: string): { functionId: string; appId: string } | undefined {
  if (typeof fn === "string") return fn === "" ? undefined : { functionId: fn, appId: "" };
  if (typeof fn !== "object" || fn === null) return undefined;
  const { id, appId } = fn as { id?: unknown; appId?: unknown };
  if (typeof id !== "string" || id === "") return undefined;
  return { functionId: id, appId: typeof appId === "string" && appId !== ownAppId ? appId : "" };
}
