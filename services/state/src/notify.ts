import type { Sql } from "./types.js";

/**
 * NOTIFY channels. Notifications sent inside a transaction are delivered after COMMIT, so a
 * listener never sees work that might still roll back. Every listener also polls slowly as a
 * safety net, because notifications are lost while a connection is down.
 */
export const channels = {
  /** Queue items became runnable. Payload: "<app_id>/<function_id>". */
  queue: "tenax_queue",
  /**
   * A run changed. Payload: "<run id>" when its status may have changed, "<run id> step" when
   * only steps were stored; step notices are sent only for runs a WatchRun streams step by step
   * (runs.watch_steps), so unwatched steps cost no notification.
   */
  runs: "tenax_runs",
  /** A timer was created. Payload: due time in ms. */
  timers: "tenax_timers",
  /** System events were written and await trigger matching. Payload: empty. */
  events: "tenax_events",
} as const;

export type Channel = (typeof channels)[keyof typeof channels];

/** Subscribes to a channel; returns an unsubscribe function. */
export async function listen(sql: Sql, channel: Channel, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
  const { unlisten } = await (sql as any).listen(channel, onPayload);
  return unlisten;
}

/** Appended to a run id: the payload of a step-only change on the runs channel. */
export const stepNoticeSuffix = " step";

/** The payload of a step-only change on the runs channel. */
export function stepNotice(runId: string): string {
  return runId + stepNoticeSuffix;
}

/** Parses a runs-channel payload. */
export function parseRunNotice(payload: string): { runId: string; stepOnly: boolean } {
  const space = payload.indexOf(" ");
  return space < 0 ? { runId: payload, stepOnly: false } : { runId: payload.slice(0, space), stepOnly: true };
}
