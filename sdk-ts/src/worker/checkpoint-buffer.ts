import { create } from "@bufbuild/protobuf";
import { CheckpointSchema, ErrorCode, type Checkpoint, type ResultAck } from "@tenax/proto";
import type { ReportedOp } from "../execution/ops.js";
import type { Logger } from "../logger/logger.js";
import type { CheckpointSettings } from "./checkpoint-settings.js";

/** The request whose steps a buffer checkpoints (echoed in every checkpoint). */
export interface CheckpointTarget {
  requestId: string;
  leaseId: string;
  runId: string;
}

export interface CheckpointBufferOptions {
  request: CheckpointTarget;
  settings: Pick<CheckpointSettings, "bufferedSteps" | "maxIntervalMs">;
  /** Writes a checkpoint to the stream. */
  send(checkpoint: Checkpoint): void;
  /**
   * The executor will not persist this request's checkpoints: one was fenced
   * off (LEASE_EXPIRED, or another refusal), or failed with INTERNAL on every
   * resend. The request must be abandoned. Called at most once.
   */
  onLost(reason: string): void;
  logger: Logger;
  /** Delay before resending a checkpoint that failed with INTERNAL. Default 250 ms. */
  resendDelayMs?: number;
  /** Resends per checkpoint before giving up (and calling onLost). Default 3. */
  maxResends?: number;
}

/**
 * The STEP_RAN ops of one request not yet sent, and its checkpoints sent and
 * not yet acknowledged.
 *
 * Rules: ops are sent as `checkpoint{request_id, lease_id, run_id, ops,
 * sequence}` with sequence 1, 2, ... once `bufferedSteps` are buffered, or
 * `maxIntervalMs` after the first op of the batch was buffered (0 = no
 * timer), or on flush(), whichever comes first. Sending never waits for
 * acks (pipelined). An ack (`result_ack` with `checkpoint_sequence`)
 * accepted forgets the checkpoint; INTERNAL resends the same checkpoint (same
 * sequence; the executor ignores steps it already stored) after
 * `resendDelayMs`, up to `maxResends` times; any other refusal
 * (LEASE_EXPIRED) loses the request.
 */
export interface CheckpointBuffer {
  /** Buffers a STEP_RAN op, sending a checkpoint when the batch is full. */
  add(op: ReportedOp): void;
  /** Sends the buffered ops as a checkpoint now (nothing when none are buffered). */
  flush(): void;
  /** Handles the ack of one of this buffer's checkpoints. */
  ack(ack: ResultAck): void;
  /** Ops buffered and not sent yet. */
  buffered(): number;
  /** Checkpoints sent and not acknowledged yet (including ones waiting for a resend). */
  unacked(): number;
  /** Stops for good: buffered ops are dropped, timers cleared, later calls ignored. */
  close(): void;
}

const RESEND_DELAY_MS = 250;
const MAX_RESENDS = 3;

export function createCheckpointBuffer(options: CheckpointBufferOptions): CheckpointBuffer {
  const { request, settings, send, logger } = options;
  const resendDelayMs = options.resendDelayMs ?? RESEND_DELAY_MS;
  const maxResends = options.maxResends ?? MAX_RESENDS;
  const unacked = new Map<number, { checkpoint: Checkpoint; resends: number; timer?: NodeJS.Timeout }>();
  let ops: ReportedOp[] = [];
  let sequence = 0;
  let intervalTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const close = () => {
    closed = true;
    ops = [];
    clearTimeout(intervalTimer);
    intervalTimer = undefined;
    for (const entry of unacked.values()) clearTimeout(entry.timer);
    unacked.clear();
  };

  const lose = (reason: string) => {
    if (closed) return;
    close();
    options.onLost(reason);
  };

  const flush = () => {
    clearTimeout(intervalTimer);
    intervalTimer = undefined;
    if (closed || ops.length === 0) return;
    const { requestId, leaseId, runId } = request;
    const checkpoint = create(CheckpointSchema, { requestId, leaseId, runId, ops, sequence: ++sequence });
    ops = [];
    unacked.set(checkpoint.sequence, { checkpoint, resends: 0 });
    send(checkpoint);
  };

  return {
    add(op) {
      if (closed) return;
      ops.push(op);
      if (ops.length >= settings.bufferedSteps) flush();
      else if (ops.length === 1 && settings.maxIntervalMs > 0) intervalTimer = setTimeout(flush, settings.maxIntervalMs);
    },
    flush,
    ack(ack) {
      const entry = unacked.get(ack.checkpointSequence);
      if (closed || !entry) return;
      if (ack.accepted) {
        clearTimeout(entry.timer);
        unacked.delete(ack.checkpointSequence);
        return;
      }
      const code = ErrorCode[ack.code]?.toLowerCase();
      const fields = { requestId: request.requestId, runId: request.runId, sequence: ack.checkpointSequence, code, message: ack.message };
      if (ack.code !== ErrorCode.INTERNAL) {
        lose(`checkpoint ${ack.checkpointSequence} rejected (${code})`);
        return;
      }
      if (entry.resends >= maxResends) {
        logger.warn("checkpoint not persisted after resending it; abandoning the request", fields);
        lose(`checkpoint ${ack.checkpointSequence} not persisted`);
        return;
      }
      logger.warn("checkpoint not persisted; will resend", fields);
      clearTimeout(entry.timer);
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (closed || unacked.get(entry.checkpoint.sequence) !== entry) return;
        entry.resends++;
        send(entry.checkpoint);
      }, resendDelayMs);
    },
    buffered: () => ops.length,
    unacked: () => unacked.size,
    close,
  };
}
