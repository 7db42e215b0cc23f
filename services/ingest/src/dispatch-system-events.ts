import type { Logger } from "@tenax/common";
import { appendEvents } from "@tenax/engine";
import { channels, eventsDispatched, eventsPendingClaim, listen, transaction, type Database } from "@tenax/state";

export interface SystemEventDispatcher {
  stop(): Promise<void>;
}

/**
 * System events (tenax/function.finished, .failed, .cancelled) are written by the state change
 * that causes them, in its own commit, marked pending. This loop gives them the rest of the
 * event path — start the runs they trigger, resume waits — exactly once (claimed with SKIP
 * LOCKED and cleared in the same transaction), woken by NOTIFY with a slow poll as safety net.
 */
export async function startSystemEventDispatcher(database: Database, logger: Logger, pollMs = 1000): Promise<SystemEventDispatcher> {
  let running = false;
  let again = false;
  let stopped = false;
  const pass = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          const handled = await transaction(database.sql, async (tx) => {
            const events = await eventsPendingClaim(tx, 200);
            if (events.length === 0) return 0;
            await appendEvents(tx, [{ kind: "lifecycle", stored: events }], logger);
            await eventsDispatched(
              tx,
              events.map((e) => e.seq),
            );
            return events.length;
          });
          if (handled < 200 || stopped) break;
        }
      } while (again && !stopped);
    } catch (err) {
      logger.warn("system event dispatch failed; retrying", { err: String(err) });
    } finally {
      running = false;
    }
  };
  const unlisten = await listen(database.sql, channels.events, () => void pass());
  const poll = setInterval(() => void pass(), pollMs);
  void pass();
  return {
    async stop() {
      stopped = true;
      clearInterval(poll);
      await unlisten().catch(() => {});
    },
  };
}
