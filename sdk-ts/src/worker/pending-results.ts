import { ErrorCode, type ExecutionResult, type ResultAck } from "@tenax/proto";
import type { Logger } from "../logger/logger.js";

export interface PendingResults {
  add(result: ExecutionResult): void;
  ack(ack: ResultAck): void;
  /** Resends results unacknowledged for too long (once), drops them after that. */
  sweep(now: number): void;
  size(): number;
}

const ACK_TIMEOUT_MS = 5000;
const MAX_RESENDS = 1;

/**
 * Results sent on one stream and not yet acknowledged. Scoped to the stream:
 * after a reconnect the executor redelivers the requests instead.
 */
export function createPendingResults(resend: (result: ExecutionResult) => void, logger: Logger): PendingResults {
  const pending = new Map<string, { result: ExecutionResult; sentAt: number; resends: number }>();
  return {
    add(result) {
      pending.set(result.requestId, { result, sentAt: Date.now(), resends: 0 });
    },
    ack(ack) {
      // Non-zero sequences acknowledge checkpoints (see CheckpointBuffer), not results.
      if (ack.checkpointSequence !== 0) return;
      const entry = pending.get(ack.requestId);
      if (!entry) return;
      if (ack.accepted) {
        pending.delete(ack.requestId);
        return;
      }
      const fields = { requestId: ack.requestId, runId: entry.result.runId, code: ErrorCode[ack.code]?.toLowerCase(), message: ack.message };
      if (ack.code === ErrorCode.INTERNAL && entry.resends < MAX_RESENDS) {
        // A transient executor failure: the sweep resends after the ack timeout.
        entry.sentAt = Date.now();
        logger.warn("result not persisted; will resend", fields);
        return;
      }
      pending.delete(ack.requestId);
      logger.warn("result rejected by the executor", fields);
    },
    sweep(now) {
      for (const [requestId, entry] of pending) {
        if (now - entry.sentAt < ACK_TIMEOUT_MS) continue;
        if (entry.resends < MAX_RESENDS) {
          entry.resends++;
          entry.sentAt = now;
          resend(entry.result);
        } else {
          pending.delete(requestId);
          logger.warn("result never acknowledged; the executor will redeliver the request", { requestId, runId: entry.result.runId });
        }
      }
    },
    size: () => pending.size,
  };
}
