import type { TenaxFunction } from "../function/create-function.js";
import type { Duration } from "../time/duration.js";
import type { BackoffOptions } from "./backoff.js";

export interface ConnectOptions {
  /** Functions this worker serves; each one's onFailure function ("<id>-failure") is added. */
  functions: TenaxFunction<any, any>[];
  /** Requests run at once (the executor respects it too). Default 100. */
  maxConcurrency?: number;
  /** Reconnect backoff in ms. Default { initial: 100, max: 5000 }. */
  reconnectBackoffMs?: BackoffOptions;
  /**
   * How long connect() keeps trying an executor that does not answer (connection refused, a
   * host that does not resolve yet) before it rejects with `connect_failed`: ms or a duration
   * such as "30s"; `Infinity` waits forever. Default "30s". Mistakes no retry can fix (the URL
   * answers but is not an executor, https against a cleartext port, a refused key) reject at
   * once. Once connected, the worker reconnects forever.
   */
  connectTimeout?: Duration;
}

export interface CloseOptions {
  /** How long to wait for in-flight requests and result acks. Default 30 000 ms. */
  timeoutMs?: number;
}

/** A connected worker. */
export interface Worker {
  /** Resolved: connect() returns only after registration. */
  readonly ready: Promise<void>;
  /** Id of this worker, stable across reconnects. */
  readonly instanceId: string;
  /**
   * Drains: says goodbye, waits for in-flight requests and their result acks
   * (bounded by timeoutMs), then ends the stream. Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
}
