import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { ErrorCode, WorkerService, type Registered } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import type { TenaxFunction } from "../function/create-function.js";
import { withFailureFunctions } from "../function/failure-function.js";
import type { Logger } from "../logger/logger.js";
import { authHeaders, createTenaxTransport } from "../rpc/transport.js";
import { SDK_NAME, SDK_VERSION } from "../version.js";
import { createBackoff } from "./backoff.js";
import { checkExecutorUrl, connectTimeoutError, connectTimeoutMs, unfixableConnectError } from "./connect-errors.js";
import { createMemoCache } from "./memo-cache.js";
import { createRequestRunner } from "./request-runner.js";
import { createSemaphore } from "./semaphore.js";
import { createSession, type Session, type SessionHandlers } from "./session.js";
import { createWarmExecutions } from "./warm-executions.js";
import type { CloseOptions, ConnectOptions, Worker } from "./types.js";

export interface WorkerClientConfig {
  appId: string;
  appVersion: string;
  executorUrl: string;
  signingKey: string | undefined;
  logger: Logger;
}

const REGISTRATION_TIMEOUT_MS = 30_000;

/**
 * Connects a worker and keeps it connected: reconnects with backoff whenever
 * the stream ends. Resolves once the executor registered at least one function.
 * Until then, a mistake no retry can fix (not an executor, TLS mismatch, a refused
 * key) rejects at once, and an executor that does not answer rejects after
 * `connectTimeout`; once registered, the worker reconnects forever.
 */
export async function createWorker(config: WorkerClientConfig, options: ConnectOptions): Promise<Worker> {
  const { logger } = config;
  const functions = indexFunctions(options.functions);
  const maxConcurrency = options.maxConcurrency ?? 100;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new TenaxError("invalid_config", `connect(): maxConcurrency must be a positive integer, got ${String(maxConcurrency)}`);
  }
  const giveUpMs = connectTimeoutMs(options.connectTimeout);
  checkExecutorUrl(config.executorUrl);
  const instanceId = randomUUID();
  const client = createClient(WorkerService, createTenaxTransport(config.executorUrl));
  const hello = {
    appId: config.appId,
    appVersion: config.appVersion,
    sdkName: SDK_NAME,
    sdkVersion: SDK_VERSION,
    functions: [...functions.values()].map((f) => f.config),
    maxConcurrency,
    instanceId,
  };
  const backoff = createBackoff(options.reconnectBackoffMs);
  const runner = createRequestRunner({
    functions,
    semaphore: createSemaphore(maxConcurrency),
    // At least as many runs as may be held warm, so a warm continuation finds their events.
    memoCache: createMemoCache(Math.max(64, 2 * maxConcurrency)),
    // One per request slot: suspended runs are those the executor is about to continue here.
    warm: createWarmExecutions({ capacity: maxConcurrency }),
    logger,
  });

  let current: Session | undefined;
  let closing = false;
  let registeredOnce = false;
  let fatal: Error | undefined;
  let lastError: unknown;
  let wakeSleep: (() => void) | undefined;
  let resolveFirst!: () => void;
  let rejectFirst!: (err: Error) => void;
  const firstRegistration = new Promise<void>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  // Gives up on an executor that never answered; cleared by the first registration.
  const connectTimer = Number.isFinite(giveUpMs)
    ? setTimeout(() => {
        if (registeredOnce || fatal || closing) return;
        fatal = connectTimeoutError(config.executorUrl, giveUpMs, lastError);
        current?.abort("connect timeout");
        wakeSleep?.();
      }, giveUpMs)
    : undefined;

  const handlers: SessionHandlers = {
    onRegistered(session, registered) {
      const okCount = logRegistrations(registered, logger);
      backoff.reset();
      if (!registeredOnce && okCount === 0) {
        fatal = new TenaxError("registration_failed", `the executor rejected every function of app "${config.appId}"; see the logged errors`);
        session.abort("all functions rejected");
        return;
      }
      registeredOnce = true;
      clearTimeout(connectTimer);
      logger.info("worker connected", { connectionId: registered.connectionId, executorId: registered.executorId, functions: okCount });
      resolveFirst();
    },
    onExecute: (session, request) => runner.handleExecute(session, request),
    onLeaseExtended: (session, message) => runner.handleLeaseExtended(session, message),
    onCheckpointAck: (session, ack) => runner.handleCheckpointAck(session, ack),
    inFlight: () => runner.inFlight(),
  };

  let attempts = 0;
  const loop = (async () => {
    while (!closing && !fatal) {
      const session = createSession({
        client,
        headers: authHeaders(config.signingKey),
        hello,
        logger,
        handlers,
        registrationTimeoutMs: REGISTRATION_TIMEOUT_MS,
      });
      current = session;
      const end = await session.ended;
      current = undefined;
      if (closing || fatal) break;
      const delayMs = backoff.next();
      if (!registeredOnce) {
        lastError = end.error ?? end.reason;
        const unfixable = end.error === undefined ? undefined : unfixableConnectError(end.error, config.executorUrl);
        if (unfixable) {
          fatal = unfixable;
          break;
        }
        // Before the first connection: one warning, then quiet retries until connectTimeout.
        const fields = {
          executorUrl: config.executorUrl,
          error: end.error ? errorMessage(end.error) : end.reason,
          giveUpAfterMs: Number.isFinite(giveUpMs) ? giveUpMs : undefined,
        };
        if (attempts++ === 0) logger.warn("cannot reach the executor yet; retrying", fields);
        else logger.debug("cannot reach the executor yet; retrying", fields);
      } else {
        logger.warn("worker stream ended; reconnecting", { reason: end.reason, error: end.error ? errorMessage(end.error) : undefined, delayMs });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wakeSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeSleep = undefined;
    }
    clearTimeout(connectTimer);
    if (fatal && !registeredOnce) rejectFirst(fatal);
  })();

  let closed: Promise<void> | undefined;
  const close = async ({ timeoutMs = 30_000 }: CloseOptions = {}) => {
    closing = true;
    // Checkpointed requests yield at their next step rather than run until maxRuntime.
    runner.drain();
    wakeSleep?.();
    const session = current;
    if (session?.isOpen()) session.send({ case: "goodbye", value: { reason: "worker closing" } });
    const deadline = Date.now() + timeoutMs;
    const busy = () => runner.inFlight() > 0 || (!!session?.isOpen() && session.pendingResults() > 0);
    while (busy() && Date.now() < deadline) await sleep(25);
    if (busy()) logger.warn("worker closed before in-flight requests finished", { inFlight: runner.inFlight() });
    if (session) await session.end(Math.min(5000, Math.max(1000, deadline - Date.now())));
    await loop;
    logger.info("worker closed", { instanceId });
  };

  await firstRegistration;
  return {
    ready: Promise.resolve(),
    instanceId,
    close: (opts) => (closed ??= close(opts)),
  };
}

function indexFunctions(list: TenaxFunction<any, any>[]): Map<string, TenaxFunction<any, any>> {
  if (!Array.isArray(list) || list.length === 0) {
    throw new TenaxError("invalid_config", "connect(): `functions` must list at least one function");
  }
  for (const fn of list) {
    if (!fn?.config || typeof fn.handler !== "function") {
      throw new TenaxError("invalid_config", "connect(): every entry of `functions` must come from createFunction()");
    }
  }
  const byId = new Map<string, TenaxFunction<any, any>>();
  // A function with onFailure brings its "<id>-failure" function along.
  for (const fn of withFailureFunctions(list)) {
    if (byId.has(fn.id)) throw new TenaxError("invalid_config", `connect(): function id "${fn.id}" is listed twice`);
    byId.set(fn.id, fn);
  }
  return byId;
}

function logRegistrations(registered: Registered, logger: Logger): number {
  let ok = 0;
  for (const fn of registered.functions) {
    if (fn.ok) {
      ok++;
      continue;
    }
    const code = fn.error ? ErrorCode[fn.error.code]?.toLowerCase() : undefined;
    logger.error(`function "${fn.functionId}" was rejected by the executor: ${fn.error?.message ?? "no reason given"}`, {
      functionId: fn.functionId,
      code,
    });
  }
  return ok;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
