import { toEventJson, waitMatches } from "@tenax/match";
import { runCancel, type EventRow, type OpenCancel, type Sql } from "@tenax/state";

/** Cancels the runs whose cancelOn rules match newly stored events (in the storing transaction). */
export async function resolveCancels(tx: Sql, stored: EventRow[], cancels: OpenCancel[]): Promise<number> {
  let cancelled = 0;
  const done = new Set<string>();
  for (const c of cancels) {
    if (done.has(c.runId)) continue;
    const hit = stored.find((e) => e.name === c.eventName && e.seq > c.minSeq && waitMatches(c, toEventJson(e)));
    if (!hit) continue;
    done.add(c.runId);
    if ((await runCancel(tx, c.runId))?.status === "cancelled") cancelled++;
  }
  return cancelled;
}
