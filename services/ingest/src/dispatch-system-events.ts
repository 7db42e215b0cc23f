import type { Logger } from "@tenax/common";
import { appendEvents } from "@tenax/engine";
import {
  channels,
  eventPendingClaim,
  eventPoisoned,
  eventsDispatched,
  eventsPendingClaim,
  eventsPendingSeqs,
  isTransientDatabaseError,
  listen,
  transaction,
  type Database,
  type EventRow,
  type Sql,
} from "@tenax/state";

export interface SystemEventDispatcher {
  stop(): Promise<void>;
}

const BATCH = 200;

/** The rest of the event path for claimed system events, and their pending flag cleared. */
async function dispatch(tx: Sql, events: EventRow[], logger: Logger): Promise<void> {
  await appendEvents(tx, [{ kind: "lifecycle", stored: events }], logger);
  await eventsDispatched(
    tx,
    events.map((e) => e.seq),
  );
}

/**
 * System events (tenax/function.finished, .failed, .cancelled) are written by the state change
 * that causes them, in its own commit, marked pending. This loop gives them the rest of the
 * event path — start the runs they trigger, resume waits — exactly once (claimed with SKIP
 * LOCKED and cleared in the same transaction), woken by NOTIFY with a slow poll as safety net.
 *
 * A batch that fails for a reason other than the database's availability is taken apart: each
 * event is dispatched alone, and one that fails alone too is a poison event, skipped with its
 * error recorded (`events.dispatch_error`) and logged, so it never holds up the events after it
 * (and the onFailure handlers they start).
 */
export async function startSystemEventDispatcher(database: Database, logger: Logger, pollMs = 1000): Promise<SystemEventDispatcher> {
  let running = false;
  let again = false;
  let stopped = false;

  const batch = () =>
    transaction(database.sql, async (tx) => {
      const events = await eventsPendingClaim(tx, BATCH);
      if (events.length > 0) await dispatch(tx, events, logger);
      return events.length;
    });

  const oneByOne = async () => {
    const seqs = await eventsPendingSeqs(database.sql, BATCH);
    for (const seq of seqs) {
      if (stopped) break;
      let event: EventRow | null = null;
      try {
        await transaction(database.sql, async (tx) => {
          event = await eventPendingClaim(tx, seq);
          if (event) await dispatch(tx, [event], logger);
        });
      } catch (err) {
        if (stopped || isTransientDatabaseError(err)) throw err;
        const e = event as EventRow | null;
        await eventPoisoned(database.sql, seq, String(err));
        logger.error("system event skipped: dispatching it fails every time", { seq, eventId: e?.id, name: e?.name, err: String(err) });
      }
    }
    return seqs.length;
  };

  const pass = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      do {
        again = false;
        for (;;) {
          let handled: number;
          try {
            handled = await batch();
          } catch (err) {
            if (stopped || isTransientDatabaseError(err)) throw err;
            handled = await oneByOne();
          }
          if (handled < BATCH || stopped) break;
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
