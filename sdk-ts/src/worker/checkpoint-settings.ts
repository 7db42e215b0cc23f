import type { ExecuteRequest } from "@tenax/proto";
import { CHECKPOINTING_DEFAULTS } from "../function/checkpointing.js";

/** How one request checkpoints, resolved from `ExecuteRequest.checkpointing`. */
export interface CheckpointSettings {
  /** Send a checkpoint once this many step results are buffered (≥ 1). */
  bufferedSteps: number;
  /** Send a checkpoint at the latest this long after its first buffered result; 0 = by count only. */
  maxIntervalMs: number;
  /** Yield once the request ran this long (checked before each further step). */
  maxRuntimeMs: number;
}

/**
 * The request's checkpointing settings, or undefined when it must not
 * checkpoint: the executor did not enable it, or the request is targeted
 * (`target_step_id`) or in plan mode (`disable_immediate_execution`). The
 * request's settings win over the local config: a run keeps the settings of
 * the function version it started with. Zero fields follow the proto:
 * `buffered_steps` and `max_runtime_ms` 0 = SDK default, `max_interval_ms`
 * 0 = no interval flush.
 */
export function checkpointSettings(request: ExecuteRequest): CheckpointSettings | undefined {
  const c = request.checkpointing;
  if (!c?.enabled || request.targetStepId !== "" || request.disableImmediateExecution) return undefined;
  const maxRuntimeMs = Number(c.maxRuntimeMs);
  return {
    bufferedSteps: c.bufferedSteps > 0 ? c.bufferedSteps : CHECKPOINTING_DEFAULTS.bufferedSteps,
    maxIntervalMs: Math.max(0, Number(c.maxIntervalMs)),
    maxRuntimeMs: maxRuntimeMs > 0 ? maxRuntimeMs : CHECKPOINTING_DEFAULTS.maxRuntimeMs,
  };
}
