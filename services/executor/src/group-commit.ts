/** Runs single writes as batched statements (see createGroupCommit). */
export interface GroupCommit<P, O> {
  write(params: P): Promise<O>;
}

interface Pending<P, O> {
  params: P;
  resolve: (outcome: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: one statement is in flight at a time; writes arriving meanwhile wait and go in
 * the next one together. At low load a write goes out at once (one round trip); at high load
 * many runs share a commit. A run appears once per statement (`runOf`): a second write of the
 * same run waits for the next. A failed group is retried one by one, so one bad write cannot
 * fail the others.
 */
export function createGroupCommit<P, O>(statement: (batch: P[]) => Promise<O[]>, runOf: (params: P) => string, maxBatch = 200): GroupCommit<P, O> {
  let pending: Pending<P, O>[] = [];
  let flushing = false;

  const settle = async (batch: Pending<P, O>[]) => {
    try {
      const outcomes = await statement(batch.map((b) => b.params));
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
        const runs = new Set<string>();
        const batch: Pending<P, O>[] = [];
        const rest: Pending<P, O>[] = [];
        for (const p of pending) {
          const run = runOf(p.params);
          if (batch.length < maxBatch && !runs.has(run)) {
            runs.add(run);
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
    write(params) {
      return new Promise<O>((resolve, reject) => {
        pending.push({ params, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
