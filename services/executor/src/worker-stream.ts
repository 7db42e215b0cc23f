import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { ReasonConnectError, toConnectError, type Logger } from "@tenax/common";
import { createOutbox, ErrorCode, ErrorReason, type WorkerMessage } from "@tenax/proto";
import {
  leaseExtend,
  leaseRelease,
  workerConnected,
  workerDisconnected,
  type Database,
  type RunFinishParams,
  type SaveOutcome,
  type StepSaveParams,
  type DbClock,
} from "@tenax/state";
import type { ExecutorConfig } from "./config.js";
import type { Dispatcher } from "./dispatcher.js";
import type { GroupCommit } from "./group-commit.js";
import { registerFunctions } from "./register.js";
import { handleCheckpoint } from "./checkpoint.js";
import { fenced, handedBack, leaseExtended } from "./inflight.js";
import { handleResult, type ResultOutcome } from "./results.js";
import type { Outgoing, WorkerSession } from "./session.js";

export interface StreamDeps {
  database: Database;
  config: ExecutorConfig;
  executorId: string;
  sessions: Map<string, WorkerSession>;
  dispatcher: Dispatcher;
  /** Step results and run ends, group-committed across runs. */
  steps: GroupCommit<StepSaveParams, SaveOutcome>;
  finishes: GroupCommit<RunFinishParams, boolean>;
  logger: Logger;
  isDraining: () => boolean;
  clock: DbClock;
}

/**
 * One worker stream: hello → registered, then execute/ack/result/extend until either side ends
 * it. When it ends, everything the worker held is handed back at once for redelivery.
 */
export async function* workerStream(deps: StreamDeps, messages: AsyncIterable<WorkerMessage>, signal: AbortSignal): AsyncGenerator<Outgoing> {
  const out = createOutbox<Outgoing>();
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done || first.value.kind.case !== "hello") {
    throw new ReasonConnectError(ErrorReason.PROTOCOL_ERROR, "the first worker message must be hello", Code.InvalidArgument);
  }
  if (deps.isDraining()) throw new ReasonConnectError(ErrorReason.DRAINING, "executor is shutting down", Code.Unavailable);
  const hello = first.value.kind.value;
  if (!hello.appId) throw new ReasonConnectError(ErrorReason.PROTOCOL_ERROR, "hello.app_id: is required", Code.InvalidArgument);
  const registrations = await registerFunctions(deps.database, hello).catch((err) => Promise.reject(toConnectError(err)));
  const connectionId = randomUUID();
  const logger = deps.logger.child({ connectionId: connectionId.slice(0, 8), appId: hello.appId });
  let closedReason = "";
  const session: WorkerSession = {
    connectionId,
    appId: hello.appId,
    appVersion: hello.appVersion,
    functionIds: new Set(registrations.filter((r) => r.ok).map((r) => r.functionId!)),
    limits: new Map(hello.functions.filter((f) => f.concurrency.length > 0).map((f) => [f.id, f.concurrency.map((c) => c.limit)])),
    maxConcurrency: hello.maxConcurrency > 0 ? hello.maxConcurrency : 100,
    requests: new Map(),
    recentOutcomes: new Map(),
    draining: false,
    lastSeenMs: Date.now(),
    send: (msg) => {
      if (!closedReason) out.push(msg);
    },
    close: (reason) => {
      if (closedReason) return;
      closedReason = reason;
      out.close();
    },
  };
  const extendEvery = Math.max(50, Math.floor(deps.config.leaseMs / 3));
  session.send({
    kind: {
      case: "registered",
      value: {
        connectionId,
        functions: registrations,
        heartbeatIntervalMs: BigInt(deps.config.heartbeatMs),
        leaseMs: BigInt(deps.config.leaseMs),
        extendLeaseIntervalMs: BigInt(extendEvery),
        executorId: deps.executorId,
      },
    },
  });
  for (const r of registrations) if (!r.ok) logger.warn("function rejected", { functionId: r.functionId, error: r.error?.message });
  deps.sessions.set(connectionId, session);
  await workerConnected(deps.database.sql, {
    connectionId,
    executorId: deps.executorId,
    instanceId: hello.instanceId,
    appId: hello.appId,
    appVersion: hello.appVersion,
    sdk: `${hello.sdkName}@${hello.sdkVersion}`,
    functionIds: [...session.functionIds],
    maxConcurrency: session.maxConcurrency,
  }).catch((err) => logger.warn("could not record worker connection", { err }));
  logger.info("worker connected", { functions: [...session.functionIds], maxConcurrency: session.maxConcurrency });

  // A silent worker is dropped after 3 heartbeat intervals; we ping so it can do the same.
  const liveness = setInterval(() => {
    if (Date.now() - session.lastSeenMs > deps.config.heartbeatMs * 3) session.close("heartbeat timeout");
    else session.send({ kind: { case: "ping", value: { nowMs: BigInt(Date.now()) } } });
  }, deps.config.heartbeatMs);
  const onAbort = () => session.close("stream aborted");
  signal.addEventListener("abort", onAbort);

  // Messages of one run are handled in order; different runs concurrently, so their commits
  // overlap (Postgres group-commits them) instead of queueing behind one another.
  const chains = new Map<string, Promise<void>>();
  const consume = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      session.lastSeenMs = Date.now();
      const key = runKey(session, next.value);
      if (key === undefined) {
        await onMessage(deps, session, next.value, logger);
        continue;
      }
      const message = next.value;
      const done = (chains.get(key) ?? Promise.resolve())
        .then(() => onMessage(deps, session, message, logger))
        .catch((err) => logger.warn("worker message failed", { err: String(err) }))
        .finally(() => {
          if (chains.get(key) === done) chains.delete(key);
        });
      chains.set(key, done);
    }
    await Promise.all(chains.values());
  };
  consume().then(
    () => session.close("worker ended the stream"),
    (err) => {
      logger.warn("worker stream failed", { err: String(err) });
      session.close("stream error");
    },
  );
  deps.dispatcher.pump();
  try {
    for await (const msg of out) yield msg;
  } finally {
    clearInterval(liveness);
    signal.removeEventListener("abort", onAbort);
    deps.sessions.delete(connectionId);
    const held = handedBack(session.requests);
    logger.info("worker disconnected", { reason: closedReason, handedBack: held.length });
    await leaseRelease(deps.database.sql, held).catch((err) => logger.warn("could not hand back leases; they will expire", { err: String(err) }));
    await workerDisconnected(deps.database.sql, connectionId).catch(() => {});
  }
}

async function onMessage(deps: StreamDeps, session: WorkerSession, msg: WorkerMessage, logger: Logger): Promise<void> {
  switch (msg.kind.case) {
    case "result": {
      const result = msg.kind.value;
      const previous = session.recentOutcomes.get(result.requestId);
      const outcome =
        previous ??
        (await handleResult(deps, session, result).catch((err) => {
          logger.warn("could not persist result; worker will resend", { err: String(err), runId: result.runId });
          return { accepted: false as const, code: ErrorCode.INTERNAL, message: String((err as Error)?.message ?? err) };
        }));
      if (outcome.accepted || outcome.code === ErrorCode.LEASE_EXPIRED) rememberOutcome(session, result.requestId, outcome);
      session.send({
        kind: {
          case: "resultAck",
          value: outcome.accepted
            ? { requestId: result.requestId, accepted: true }
            : { requestId: result.requestId, accepted: false, code: outcome.code, message: outcome.message },
        },
      });
      return;
    }
    case "extendLease": {
      const { requestId, leaseId } = msg.kind.value;
      const work = session.requests.get(requestId);
      let expires: number | null = null;
      if (work && work.leaseId === leaseId) {
        try {
          expires = await leaseExtend(deps.database.sql, { runId: work.runId, leaseId, leaseMs: deps.config.leaseMs });
        } catch (err) {
          // Database trouble is not a lost lease: stay silent, the worker asks again next interval.
          logger.warn("could not extend lease", { err: String(err), runId: work.runId });
          return;
        }
      }
      if (work && expires !== null) leaseExtended(work, expires);
      if (work && expires === null) fenced(session.requests, work);
      session.send({ kind: { case: "leaseExtended", value: { requestId, ok: expires !== null, leaseExpiresAtMs: BigInt(expires ?? 0) } } });
      return;
    }
    case "checkpoint": {
      const cp = msg.kind.value;
      const outcome = await handleCheckpoint(deps, session, cp).catch((err) => {
        logger.warn("could not persist checkpoint; worker will resend", { err: String(err), runId: cp.runId });
        return { accepted: false as const, code: ErrorCode.INTERNAL, message: String((err as Error)?.message ?? err) };
      });
      session.send({
        kind: {
          case: "resultAck",
          value: outcome.accepted
            ? { requestId: cp.requestId, accepted: true, checkpointSequence: cp.sequence }
            : { requestId: cp.requestId, accepted: false, code: outcome.code, message: outcome.message, checkpointSequence: cp.sequence },
        },
      });
      return;
    }
    case "memoFetch": {
      const work = session.requests.get(msg.kind.value.requestId);
      if (work) deps.dispatcher.send(session, work, true);
      return;
    }
    case "goodbye":
      session.draining = true;
      logger.info("worker draining", { reason: msg.kind.value.reason });
      return;
    case "ack":
    case "heartbeat":
      return;
    case "hello":
      session.close("protocol error: second hello");
      return;
    default:
      return;
  }
}

/** A resent result (its ack was lost) gets the answer the first copy got. */
function rememberOutcome(session: WorkerSession, requestId: string, outcome: ResultOutcome): void {
  session.recentOutcomes.set(requestId, outcome);
  if (session.recentOutcomes.size > 1000) session.recentOutcomes.delete(session.recentOutcomes.keys().next().value!);
}

/** The run a message belongs to (its ordering key), or undefined for session-level messages. */
function runKey(session: WorkerSession, msg: WorkerMessage): string | undefined {
  switch (msg.kind.case) {
    case "result":
    case "checkpoint":
      return msg.kind.value.runId;
    case "extendLease":
    case "memoFetch":
      return session.requests.get(msg.kind.value.requestId)?.runId ?? `request:${msg.kind.value.requestId}`;
    default:
      return undefined;
  }
}
