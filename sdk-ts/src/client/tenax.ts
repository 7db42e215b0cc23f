import { createFunction, type TenaxFunction } from "../function/create-function.js";
import type { FunctionOptions, Handler, TriggerOptions } from "../function/types.js";
import type { EventPayload } from "../event/types.js";
import type { Logger } from "../logger/logger.js";
import { createRunsClient, type RunsClient } from "../runs/runs-client.js";
import { createWorker } from "../worker/create-worker.js";
import type { ConnectOptions, Worker } from "../worker/types.js";
import { resolveConfig, type ResolvedConfig, type TenaxOptions } from "./config.js";
import { createEventSender, type SendEvents, type SendResult } from "./send-events.js";

/**
 * The SDK client of one app: defines functions, sends events, connects
 * workers, and reads and awaits runs (`runs`).
 */
export class Tenax {
  /** The app id. */
  readonly id: string;
  readonly logger: Logger;
  /**
   * The run API of the client's ingest: `get`, `list`, `watch`, `result`,
   * `cancel`. Calls carry the signing key, which ingest requires for them
   * when it has keys.
   */
  readonly runs: RunsClient;
  readonly #config: ResolvedConfig;
  readonly #send: SendEvents;

  constructor(options: TenaxOptions) {
    this.#config = resolveConfig(options);
    this.id = this.#config.appId;
    this.logger = this.#config.logger;
    // Event keys may be scoped to sending; the signing key also works.
    this.#send = createEventSender({ ingestUrl: this.#config.ingestUrl, key: this.#config.eventKey ?? this.#config.signingKey });
    // RunService accepts only the signing key (an event key only sends).
    this.runs = createRunsClient({ ingestUrl: this.#config.ingestUrl, signingKey: this.#config.signingKey });
  }

  /**
   * Defines a function. Throws a TenaxError `invalid_config` for obviously
   * wrong options; the executor validates the rest at registration. With
   * `onFailure`, the function gets a companion "<id>-failure" function
   * (see FunctionOptions.onFailure). Without its own `checkpointing`, the
   * function gets the client's.
   */
  createFunction<TData = Record<string, any>, TResult = unknown>(
    options: FunctionOptions<TData>,
    trigger: TriggerOptions | TriggerOptions[],
    handler: Handler<TData, TResult>,
  ): TenaxFunction<TData, TResult> {
    return createFunction(options, trigger, handler, this.id, { checkpointing: this.#config.checkpointing });
  }

  /** Sends one or more events; resolves with their effective ids, in order. */
  send(events: EventPayload | EventPayload[]): Promise<SendResult> {
    return this.#send(events);
  }

  /** Connects a worker serving `functions` (and their onFailure functions); resolves once registered. */
  connect(options: ConnectOptions): Promise<Worker> {
    const { appId, appVersion, executorUrl, signingKey, logger } = this.#config;
    return createWorker({ appId, appVersion, executorUrl, signingKey, logger }, options);
  }
}
