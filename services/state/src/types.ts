import type postgres from "postgres";

/** A pool or a transaction: every query takes one, so calls compose into transactions. */
export type Sql = postgres.Sql<{}> | postgres.TransactionSql<{}>;

export type RunStatusName = "queued" | "running" | "sleeping" | "waiting" | "completed" | "failed" | "cancelled";

export const terminalStatuses: readonly RunStatusName[] = ["completed", "failed", "cancelled"];

export interface EventInput {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown> | null;
  ts: number;
  v: string;
  /** True when the producer chose the id (it takes part in dedupe). */
  producerId: boolean;
}

export interface EventRow {
  seq: number;
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown> | null;
  ts: number;
  v: string;
  receivedAtMs: number;
}

export interface RunRow {
  id: string;
  appId: string;
  functionId: string;
  functionVersion: number;
  status: RunStatusName;
  eventIds: string[];
  eventSeqs: number[];
  output: string | null;
  error: Record<string, unknown> | null;
  attempt: number;
  stepCount: number;
  planMode: boolean;
  createdAtMs: number;
  startedAtMs: number | null;
  endedAtMs: number | null;
}

export interface StepRow {
  runId: string;
  stepId: string;
  seq: number;
  userId: string;
  name: string;
  status: "completed" | "failed";
  output: string | null;
  error: Record<string, unknown> | null;
  attempt: number;
  startedAtMs: number | null;
  endedAtMs: number;
}

export interface FunctionKey {
  appId: string;
  functionId: string;
}

/** A memo entry to store: a step's final outcome (output JSON text, or a serialized error). */
export interface StepInsert {
  stepId: string;
  userId: string;
  name: string;
  status: "completed" | "failed";
  output: string | null;
  error: Record<string, unknown> | null;
}
