import type { EventRow, RunRow, StepRow } from "../types.js";

// Row mappers shared by queries: SQL returns snake_case and timestamps; callers get ms numbers.
type Raw = Record<string, any>;

const ms = (v: unknown): number | null => (v == null ? null : new Date(v as string).getTime());

export function toRunRow(r: Raw): RunRow {
  return {
    id: r.id,
    appId: r.app_id,
    functionId: r.function_id,
    functionVersion: r.function_version,
    status: r.status,
    eventIds: r.event_ids,
    eventSeqs: (r.event_seqs as unknown[]).map(Number),
    output: r.output,
    error: r.error,
    attempt: r.attempt,
    stepCount: r.step_count,
    planMode: r.plan_mode,
    createdAtMs: ms(r.created_at)!,
    startedAtMs: ms(r.started_at),
    endedAtMs: ms(r.ended_at),
  };
}

export function toStepRow(r: Raw): StepRow {
  return {
    runId: r.run_id,
    stepId: r.step_id,
    seq: Number(r.seq),
    userId: r.user_id,
    name: r.name,
    status: r.status,
    output: r.output,
    error: r.error,
    attempt: r.attempt,
    startedAtMs: ms(r.started_at),
    endedAtMs: ms(r.ended_at)!,
  };
}

export function toEventRow(r: Raw): EventRow {
  return {
    seq: Number(r.seq),
    id: r.id,
    name: r.name,
    data: r.data,
    user: r.user,
    ts: Number(r.ts),
    v: r.v,
    receivedAtMs: ms(r.received_at)!,
  };
}
