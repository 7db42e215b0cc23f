/**
 * Names of the events Tenax itself emits. Producers cannot send names under the reserved
 * prefix; functions can trigger on them. PROTOCOL.md lists their data.
 */
export const reservedEventPrefix = "tenax/";

export const systemEvents = {
  /** A run ended: completed, failed or cancelled (data: function_id, app_id, run_id, event, result | error). */
  functionFinished: "tenax/function.finished",
  /** A run failed (same data as functionFinished, with error). */
  functionFailed: "tenax/function.failed",
  /** A run was cancelled. */
  functionCancelled: "tenax/function.cancelled",
  /** The triggering event of a run started by step.invoke (data: the invoke's data). */
  functionInvoked: "tenax/function.invoked",
  /** The triggering event of a cron run (data: cron, scheduledAt). */
  scheduledTimer: "tenax/scheduled.timer",
} as const;

/** Lifecycle events: runs they trigger emit none of their own, so handlers cannot loop. */
export const lifecycleEventNames: readonly string[] = [systemEvents.functionFinished, systemEvents.functionFailed, systemEvents.functionCancelled];
