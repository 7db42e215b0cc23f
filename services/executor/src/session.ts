import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ErrorCode, ExecutorMessageSchema } from "@tenax/proto";
import type { Inflight, InflightRequests } from "./inflight.js";

export type { Inflight };

/** What became of a result: the worker is told via result_ack. */
export type ResultOutcome = { accepted: true } | { accepted: false; code: ErrorCode; message: string };

export type Outgoing = MessageInitShape<typeof ExecutorMessageSchema>;

/** One worker stream: what it serves, how much it may run, and what it is running. */
export interface WorkerSession {
  readonly connectionId: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly functionIds: Set<string>;
  /** Concurrency limits per function id, as the worker registered them. */
  readonly limits: Map<string, number[]>;
  readonly maxConcurrency: number;
  /** In-flight work by request id (changed only through the transitions of inflight.ts). */
  readonly requests: InflightRequests;
  /** Outcomes of recently handled results, so a resent result gets the same answer. */
  readonly recentOutcomes: Map<string, ResultOutcome>;
  draining: boolean;
  lastSeenMs: number;
  send(msg: Outgoing): void;
  /** Ends the stream (the worker reconnects). */
  close(reason: string): void;
}

export function freeSlots(s: WorkerSession): number {
  return s.draining ? 0 : Math.max(0, s.maxConcurrency - s.requests.size);
}
