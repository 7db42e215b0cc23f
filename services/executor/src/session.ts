import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Checkpointing, ErrorCode, ExecutorMessageSchema, MemoEntry, StoredEvent } from "@tenax/proto";

/** What became of a result: the worker is told via result_ack. */
export type ResultOutcome = { accepted: true } | { accepted: false; code: ErrorCode; message: string };

export type Outgoing = MessageInitShape<typeof ExecutorMessageSchema>;

/** Work an executor holds under a lease while a worker executes it. */
export interface Inflight {
  requestId: string;
  leaseId: string;
  leaseExpiresAtMs: number;
  runId: string;
  appId: string;
  functionId: string;
  functionVersion: number;
  attempt: number;
  maxAttempts: number;
  /** Step the worker is asked to run (set for parallel steps). */
  targetStepId: string;
  /** The queue item's own target: non-empty when the item exists for one parallel step. */
  itemTarget: string;
  /** The run planned parallel steps: discovery requests must not run steps inline any more. */
  planMode: boolean;
  /** Checkpointing settings of the run's function version, when enabled. */
  checkpointing?: Checkpointing;
  /** Last checkpoint sequence stored for the current request. */
  checkpointSequence: number;
  /** Memo entries the worker holds from the previous request: later requests send only the rest. */
  memoSent: number;
  /** Waits created by this request see only events received after this sequence. */
  eventSeqFloor: number;
  /** The run's triggering event as expressions see it (`event`). */
  triggerEvent: Record<string, unknown>;
  events: StoredEvent[];
  memo: MemoEntry[];
  /** Bytes of event data and memoized outputs, for the run-state limit. */
  stateBytes: number;
  /** Bytes of the triggering events' data (part of stateBytes). */
  eventBytes: number;
  startedAtMs: number;
}

/** One worker stream: what it serves, how much it may run, and what it is running. */
export interface WorkerSession {
  readonly connectionId: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly functionIds: Set<string>;
  /** Concurrency limits per function id, as the worker registered them. */
  readonly limits: Map<string, number[]>;
  readonly maxConcurrency: number;
  /** In-flight work by request id. */
  readonly requests: Map<string, Inflight>;
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
