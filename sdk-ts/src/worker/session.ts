import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import {
  createOutbox,
  WorkerMessageSchema,
  type ExecuteRequest,
  type ExecutionResult,
  type ExecutorMessage,
  type HelloSchema,
  type LeaseExtended,
  type Registered,
  type ResultAck,
  type WorkerMessage,
  type WorkerService,
} from "@tenax/proto";
import type { Logger } from "../logger/logger.js";
import { createPendingResults } from "./pending-results.js";

export type OutgoingKind = MessageInitShape<typeof WorkerMessageSchema>["kind"];

/** Timing the executor granted in `registered`. */
export interface SessionSettings {
  connectionId: string;
  heartbeatIntervalMs: number;
  leaseMs: number;
  extendLeaseIntervalMs: number;
}

export interface SessionEnd {
  /** Whether `registered` arrived on this stream. */
  registered: boolean;
  reason: string;
  error?: unknown;
}

export interface SessionHandlers {
  onRegistered(session: Session, registered: Registered): void;
  onExecute(session: Session, request: ExecuteRequest): void;
  onLeaseExtended(session: Session, message: LeaseExtended): void;
  /** A `result_ack` for a checkpoint (`checkpoint_sequence` > 0); acks of results are handled by the session. */
  onCheckpointAck(session: Session, ack: ResultAck): void;
  /** Requests running on the worker, for heartbeats. */
  inFlight(): number;
}

export interface SessionOptions {
  client: Client<typeof WorkerService>;
  headers: Record<string, string>;
  hello: MessageInitShape<typeof HelloSchema>;
  logger: Logger;
  handlers: SessionHandlers;
  /** Give up on a stream that hasn't answered hello within this time. */
  registrationTimeoutMs: number;
}

export interface Session {
  readonly ended: Promise<SessionEnd>;
  isOpen(): boolean;
  settings(): SessionSettings | undefined;
  send(kind: OutgoingKind): void;
  /** Sends a result and keeps it until acknowledged (resending once). */
  sendResult(result: ExecutionResult): void;
  pendingResults(): number;
  /** Half-closes the stream, waits up to graceMs for the executor to end it, then aborts. */
  end(graceMs: number): Promise<SessionEnd>;
  abort(reason: string): void;
}

const SWEEP_INTERVAL_MS = 1000;
const DEFAULT_HEARTBEAT_MS = 5000;

/** One WorkerService.Connect stream: hello, dispatch, heartbeats and liveness. */
export function createSession(options: SessionOptions): Session {
  const { logger, handlers } = options;
  const requests = createOutbox<WorkerMessage>();
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let open = true;
  let settings: SessionSettings | undefined;
  let lastReceivedAt = Date.now();
  let abortReason = "";
  let registrationTimer: NodeJS.Timeout | undefined;

  const send = (kind: OutgoingKind) => {
    if (!open) return;
    // Queued in order without waiting; messages after close are dropped.
    requests.push(create(WorkerMessageSchema, { kind }));
  };
  const pending = createPendingResults((result) => send({ case: "result", value: result }), logger);

  const abort = (reason: string) => {
    if (!open) return;
    abortReason = reason;
    controller.abort(new Error(reason));
  };

  const startTimers = (s: SessionSettings) => {
    timers.push(setInterval(() => send({ case: "heartbeat", value: { inFlight: handlers.inFlight() } }), s.heartbeatIntervalMs));
    timers.push(
      setInterval(() => {
        if (Date.now() - lastReceivedAt > 3 * s.heartbeatIntervalMs) abort("executor silent for 3 heartbeat intervals");
      }, s.heartbeatIntervalMs),
    );
  };

  const dispatch = (message: ExecutorMessage): boolean => {
    const kind = message.kind;
    switch (kind.case) {
      case "registered": {
        const reg = kind.value;
        if (!settings) {
          const heartbeatIntervalMs = Number(reg.heartbeatIntervalMs) || DEFAULT_HEARTBEAT_MS;
          const leaseMs = Number(reg.leaseMs) || 30_000;
          settings = {
            connectionId: reg.connectionId,
            heartbeatIntervalMs,
            leaseMs,
            extendLeaseIntervalMs: Number(reg.extendLeaseIntervalMs) || Math.max(100, Math.floor(leaseMs / 3)),
          };
          clearTimeout(registrationTimer);
          startTimers(settings);
        }
        handlers.onRegistered(session, reg);
        return true;
      }
      case "execute":
        handlers.onExecute(session, kind.value);
        return true;
      case "resultAck":
        if (kind.value.checkpointSequence !== 0) handlers.onCheckpointAck(session, kind.value);
        else pending.ack(kind.value);
        return true;
      case "leaseExtended":
        handlers.onLeaseExtended(session, kind.value);
        return true;
      case "ping":
        return true;
      case "close":
        logger.info("executor closed the stream", { reason: kind.value.reason });
        return false;
      default:
        return true;
    }
  };

  const run = async (): Promise<SessionEnd> => {
    registrationTimer = setTimeout(() => abort("no answer to hello"), options.registrationTimeoutMs);
    timers.push(setInterval(() => pending.sweep(Date.now()), SWEEP_INTERVAL_MS));
    send({ case: "hello", value: options.hello });
    try {
      const responses = options.client.connect(requests, { headers: options.headers, signal: controller.signal });
      for await (const message of responses) {
        lastReceivedAt = Date.now();
        if (!dispatch(message)) return { registered: !!settings, reason: "closed by executor" };
      }
      return { registered: !!settings, reason: abortReason || "stream ended" };
    } catch (err) {
      return { registered: !!settings, reason: abortReason || "stream failed", error: abortReason ? undefined : err };
    } finally {
      open = false;
      clearTimeout(registrationTimer);
      for (const t of timers) clearTimeout(t);
      requests.close();
      controller.abort();
    }
  };

  const ended = run();
  const session: Session = {
    ended,
    isOpen: () => open,
    settings: () => settings,
    send,
    sendResult(result) {
      if (!open) return;
      pending.add(result);
      send({ case: "result", value: result });
    },
    pendingResults: () => pending.size(),
    async end(graceMs) {
      if (open) requests.close();
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([ended, grace]);
      clearTimeout(timer);
      abort("worker closed");
      return ended;
    },
    abort,
  };
  return session;
}
