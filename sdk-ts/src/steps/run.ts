import { TenaxError } from "../errors/tenax-error.js";
import type { Jsonify } from "../json/jsonify.js";
import type { StepHost } from "./step-host.js";

/**
 * Runs `fn` as a durable step: it runs once (retried on failure) and its
 * result is memoized; replays return the memoized value without calling `fn`.
 *
 * The result goes through a JSON round trip, also on the first run: a Date
 * comes back as an ISO string, `undefined` as `null`, class instances as plain
 * objects. Hence the `Jsonify` return type.
 *
 * If the step fails for good, the promise rejects with a StepError whose
 * `cause` is the original error.
 */
export type RunTool = <T>(id: string, fn: () => T) => Promise<Jsonify<Awaited<T>>>;

export function createRunTool(host: StepHost): RunTool {
  return <T>(id: string, fn: () => T) => {
    if (typeof id !== "string" || id === "") {
      throw new TenaxError("invalid_step", "step.run(): the step id must be a non-empty string");
    }
    if (typeof fn !== "function") {
      throw new TenaxError("invalid_step", `step.run("${id}"): the second argument must be a function`);
    }
    return host.handle({ kind: "inline", id, type: "step.run", run: fn }) as Promise<Jsonify<Awaited<T>>>;
  };
}
