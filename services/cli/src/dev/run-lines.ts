import { channels, createDatabase, listen, parseRunNotice, runsGetMany, type RunRow } from "@tenax/state";

export interface RunLines {
  stop(): Promise<void>;
}

const ended = new Set(["completed", "failed", "cancelled"]);

/**
 * `tenax dev`'s account of runs: one line when a run starts and one when it ends, as the
 * services change it (woken by the runs channel, read in batches; nothing is polled).
 */
export async function startRunLines(databaseUrl: string, write: (line: string) => void): Promise<RunLines> {
  const database = createDatabase(databaseUrl, { max: 1 });
  const started = new Set<string>();
  // Runs whose end was printed (a few notices may follow); bounded, oldest forgotten first.
  const finished = new Set<string>();
  let pending = new Set<string>();
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const report = (run: RunRow) => {
    const name = `${run.appId}/${run.functionId}`;
    if (finished.has(run.id)) return;
    if (run.startedAtMs && !started.has(run.id)) {
      started.add(run.id);
      write(`run started    ${run.id}  ${name}`);
    }
    if (!ended.has(run.status)) return;
    started.delete(run.id);
    finished.add(run.id);
    if (finished.size > 10_000) finished.delete(finished.values().next().value!);
    const took = run.endedAtMs && run.createdAtMs ? `  (${duration(run.endedAtMs - run.createdAtMs)})` : "";
    const why = run.status === "failed" && typeof run.error?.message === "string" ? `: ${run.error.message.split("\n")[0]}` : "";
    write(`run ${run.status.padEnd(10)} ${run.id}  ${name}${took}${why}`);
  };

  const flush = async () => {
    timer = undefined;
    const ids = [...pending];
    pending = new Set();
    const rows = await runsGetMany(database.sql, ids).catch(() => [] as RunRow[]);
    for (const row of rows.sort((a, b) => a.createdAtMs - b.createdAtMs)) report(row);
  };

  const unlisten = await listen(database.sql, channels.runs, (payload) => {
    const { runId, stepOnly } = parseRunNotice(payload);
    if (stepOnly) return;
    pending.add(runId);
    // Notices come in bursts: one read per burst.
    timer ??= setTimeout(() => {
      flushing = (flushing ?? Promise.resolve()).then(flush);
    }, 20);
  });

  return {
    async stop() {
      clearTimeout(timer);
      await flushing;
      await unlisten().catch(() => {});
      await database.close();
    },
  };
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
