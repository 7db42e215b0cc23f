import { ErrorCode, ErrorReason, reasonErrorJson } from "@tenax/proto";
import { channels } from "../notify.js";
import type { Sql } from "../types.js";
import type { Resume } from "./resume.js";
import { runsResume } from "./resume.js";
import { runCancel } from "./runs.js";

/**
 * Fires due timers in one transaction: deletes them (SKIP LOCKED, so each fires exactly once
 * across any number of schedulers), applies their effect, and requeues their runs.
 * - retry: the run's position runs again with the next attempt.
 * - sleep: the sleep step is memoized (null).
 * - wait_timeout / invoke_timeout: the wait, if still open, is consumed and memoized as
 *   null (waitForEvent) or as a timeout error (invoke); the delete races ingest's fairly.
 */
export async function timersFire(sql: Sql, limit: number): Promise<number> {
  const run = async (tx: Sql) => {
    const fired = await tx`
      delete from timers where id in (
        select id from timers where due_at <= now() order by due_at limit ${limit} for update skip locked
      )
      returning *`;
    if (fired.length === 0) return 0;
    const resumes: Resume[] = [];
    const waitIds: number[] = [];
    const timeouts: { runId: string; kind: string }[] = [];
    for (const t of fired) {
      const data = t.data as Record<string, any>;
      if (t.kind === "retry") resumes.push({ runId: t.run_id, attempt: data.attempt ?? 0, targetStepId: data.targetStepId ?? "" });
      else if (t.kind === "sleep") {
        resumes.push({ runId: t.run_id, step: { stepId: t.step_id, userId: data.userId, name: data.name, status: "completed", output: "null", error: null } });
      } else if (t.kind === "wait_timeout" || t.kind === "invoke_timeout") waitIds.push(Number(data.waitId));
      else if (t.kind === "start_timeout" || t.kind === "finish_timeout") timeouts.push({ runId: t.run_id, kind: t.kind });
    }
    // timeouts.start: cancel a run that has not started yet; timeouts.run/finish: one still going.
    for (const t of timeouts) {
      const [run] = await tx`select started_at from runs where id = ${t.runId} and status not in ('completed', 'failed', 'cancelled')`;
      if (run && (t.kind === "finish_timeout" || run.started_at === null)) await runCancel(tx, t.runId);
    }
    if (waitIds.length > 0) {
      const consumed = await tx`delete from waits where id = any(${waitIds}::bigint[]) returning *`;
      for (const w of consumed) {
        const base = { stepId: w.step_id as string, userId: w.user_id as string, name: w.name as string };
        resumes.push({
          runId: w.run_id,
          step:
            w.kind === "invoke"
              ? {
                  ...base,
                  status: "failed",
                  output: null,
                  error: reasonErrorJson(
                    ErrorCode.TIMEOUT,
                    ErrorReason.INVOKE_TIMEOUT,
                    `step "${w.user_id}": the invoked run ${w.child_run_id} did not finish in time; it keeps running`,
                    "InvokeTimeoutError",
                  ),
                }
              : { ...base, status: "completed", output: "null", error: null },
        });
      }
    }
    await runsResume(tx, resumes);
    return fired.length;
  };
  if ("savepoint" in sql) return run(sql);
  return (sql as any).begin(run);
}

/** Due time (ms) of the earliest timer, or null when none is pending. */
/** When the next timer is due (one probe of timers_due_idx); null with none. */
export async function timerNextDueAt(sql: Sql): Promise<number | null> {
  const [row] = await sql`select due_at from timers order by due_at limit 1`;
  return row ? new Date(row.due_at).getTime() : null;
}

/** The next due time and how many timers are pending (GetTimers: counts every timer, not for hot paths). */
export async function timersNextDue(sql: Sql): Promise<{ nextDueAtMs: number | null; pending: number }> {
  const [row] = await sql`select min(due_at) as next, count(*)::int as pending from timers`;
  return { nextDueAtMs: row.next ? new Date(row.next).getTime() : null, pending: row.pending };
}

/** Creates timers due `ms` after now (run timeouts) and wakes the schedulers. */
export async function timersAfter(sql: Sql, kind: "start_timeout" | "finish_timeout", due: { runId: string; ms: number }[]): Promise<void> {
  if (due.length === 0) return;
  const rows = due.map((d) => ({ run_id: d.runId, ms: d.ms }));
  await sql`
    with t as (
      insert into timers (run_id, kind, due_at)
      select run_id, ${kind}, now() + ms * interval '1 millisecond'
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(run_id uuid, ms bigint)
      returning due_at
    )
    select pg_notify(${channels.timers}, (extract(epoch from min(due_at)) * 1000)::bigint::text) from t`;
}
