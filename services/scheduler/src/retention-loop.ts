import type { Logger } from "@tenax/common";
import { pruneEvents, pruneExpiredKeys, pruneFinishedRuns, pruneFunctionVersions, pruneWorkers, type Database } from "@tenax/state";

export interface RetentionSettings {
  /** How long finished runs (and events no remaining run needs) are kept. */
  retentionMs: number;
  /** How often a pass runs. */
  intervalMs: number;
  /** Rows deleted per statement. */
  batch?: number;
}

export interface RetentionLoop {
  /** One pass now (tests; the loop runs them by itself). Resolves with what it deleted. */
  pass(): Promise<RetentionCounts>;
  stop(): Promise<void>;
}

export interface RetentionCounts {
  runs: number;
  events: number;
  keys: number;
  workers: number;
  versions: number;
}

/**
 * Deletes what Tenax no longer needs, in small batches so that it never holds the hot path up:
 * finished runs past the retention period with their steps, events no remaining run was started
 * by, dedupe and idempotency rows past their 24 h window, rows of long-closed worker connections,
 * and replaced function versions no run uses. Several schedulers may run it at once (every
 * delete skips locked rows).
 */
export function startRetentionLoop(database: Database, logger: Logger, settings: RetentionSettings): RetentionLoop {
  const batch = settings.batch ?? 1000;
  let eventCursor = 0; // events kept by a run are not looked at again on every pass
  let stopped = false;
  let running: Promise<RetentionCounts> | undefined;

  /** Repeats a batch while it deletes a full one (bounded, so one pass cannot run forever). */
  const drain = async (step: () => Promise<number>, maxBatches = 100) => {
    let total = 0;
    for (let i = 0; i < maxBatches && !stopped; i++) {
      const n = await step();
      total += n;
      if (n < batch) break;
    }
    return total;
  };

  const pass = async (): Promise<RetentionCounts> => {
    const cutoff = Date.now() - settings.retentionMs;
    const runs = await drain(() => pruneFinishedRuns(database.sql, cutoff, batch));
    let events = 0;
    for (let i = 0; i < 100 && !stopped; i++) {
      const r = await pruneEvents(database.sql, cutoff, eventCursor, batch);
      events += r.deleted;
      eventCursor = r.lastSeq;
      if (r.scanned < batch) {
        eventCursor = 0; // at the end: the next pass starts over (kept events may be free by then)
        break;
      }
    }
    const keys = await drain(() => pruneExpiredKeys(database.sql, batch));
    const workers = await drain(() => pruneWorkers(database.sql, cutoff, batch));
    const versions = await drain(() => pruneFunctionVersions(database.sql, batch));
    const counts = { runs, events, keys, workers, versions };
    if (runs + events + keys + workers + versions > 0) logger.info("retention pass", counts);
    return counts;
  };

  const runPass = () => {
    running ??= pass()
      .catch((err: unknown) => {
        logger.warn("retention pass failed; trying again later", { err: String(err) });
        return { runs: 0, events: 0, keys: 0, workers: 0, versions: 0 };
      })
      .finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void runPass(), settings.intervalMs);
  timer.unref();
  return {
    pass: runPass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
