import { createRunTool, type RunTool } from "./run.js";
import type { StepHost } from "./step-host.js";

/** The `step` object of a handler context. */
export interface StepTools {
  /** Runs a durable, memoized step. See {@link RunTool}. */
  run: RunTool;
}

export function createStepTools(host: StepHost): StepTools {
  return { run: createRunTool(host) };
}
