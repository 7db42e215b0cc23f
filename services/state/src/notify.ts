import type { Sql } from "./types.js";

/**
 * NOTIFY channels. Notifications sent inside a transaction are delivered after COMMIT, so a
 * listener never sees work that might still roll back. Every listener also polls slowly as a
 * safety net, because notifications are lost while a connection is down.
 */
export const channels = {
  /** Queue items became runnable. Payload: "<app_id>/<function_id>". */
  queue: "tenax_queue",
  /** A run changed (status or a new step). Payload: run id. */
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
