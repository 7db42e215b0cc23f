import { toEventJson, waitMatches } from "@tenax/match";
import { runsResume, waitConsume, type EventRow, type OpenWait, type Resume, type Sql } from "@tenax/state";

/**
 * Resolves open waits with newly stored events, inside the transaction that stores them. A wait
 * takes the first matching event (in receive order) whose sequence is above its floor; consuming
 * deletes the wait row, so two ingests racing on one wait resolve it once. `waits` were looked
 * up under the names' shared wait lock (see waitNamesLock).
 */
export async function resolveWaits(tx: Sql, stored: EventRow[], waits: OpenWait[]): Promise<number> {
  if (waits.length === 0) return 0;
  const resumes: Resume[] = [];
  for (const w of waits) {
    const hit = stored.find((e) => e.name === w.eventName && e.seq > w.minSeq && waitMatches(w, toEventJson(e)));
    if (!hit || !(await waitConsume(tx, w.id))) continue;
    resumes.push({
      runId: w.runId,
      step: { stepId: w.stepId, userId: w.userId, name: w.name, status: "completed", output: JSON.stringify(toEventJson(hit)), error: null },
    });
  }
  await runsResume(tx, resumes);
  return resumes.length;
}
