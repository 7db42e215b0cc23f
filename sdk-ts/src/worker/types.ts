import type { TenaxFunction } from "../function/create-function.js";
import type { BackoffOptions } from "./backoff.js";

export interface ConnectOptions {
  /** Functions this worker serves; each one's onFailure function ("<id>-failure") is added. */
  functions: TenaxFunction<any, any>[];
  /** Requests run at once (the executor respects it too). Default 100. */
  maxConcurrency?: number;
  /** Reconnect backoff in ms. Default { initial: 100, max: 5000 }. */
  reconnectBackoffMs?: BackoffOptions;
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
