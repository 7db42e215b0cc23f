import { stepsSave, type SaveOutcome, type Sql, type StepSaveParams } from "@tenax/state";

/** Stores step results, grouping those that arrive together into one statement and commit. */
export interface StepSaver {
  save(params: StepSaveParams): Promise<SaveOutcome>;
}

interface Pending {
  params: StepSaveParams;
  resolve: (outcome: SaveOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: one statement is in flight at a time; results arriving meanwhile wait and go
 * in the next one together. At low load a result is stored at once (one round trip); at high
 * load many runs share a commit. A failed group is retried one by one, so one bad result
 * cannot fail the others.
 */
export function createStepSaver(sql: Sql, maxBatch = 200): StepSaver {
  let pending: Pending[] = [];
  let flushing = false;

  const settle = async (batch: Pending[]) => {
    try {
      const outcomes = await stepsSave(sql, batch.map((b) => b.params));
      batch.forEach((b, i) => b.resolve(outcomes[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const b of batch) await settle([b]);
    }
  };

  const flush = async () => {
    flushing = true;
    try {
      while (pending.length > 0) {
        // A run appears once per statement: a second result of the same run waits for the next.
        const runs = new Set<string>();
        const batch: Pending[] = [];
        const rest: Pending[] = [];
        for (const p of pending) {
          if (batch.length < maxBatch && !runs.has(p.params.runId)) {
            runs.add(p.params.runId);
            batch.push(p);
          } else rest.push(p);
        }
        pending = rest;
        await settle(batch);
      }
    } finally {
      flushing = false;
    }
  };

  return {
    save(params) {
      return new Promise<SaveOutcome>((resolve, reject) => {
        pending.push({ params, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
