import { TenaxError } from "../errors/tenax-error.js";
import { toCheckpointing } from "../function/checkpointing.js";
import type { CheckpointingOptions } from "../function/types.js";
import { createJsonLogger, type Logger, type LogLevel } from "../logger/logger.js";

/** Options of `new Tenax(...)`. Unset values fall back to environment variables. */
export interface TenaxOptions {
  /** The app id; every function of this client is registered under it. */
  id: string;
  /** Logger for the SDK and handler contexts. Default: JSON lines on stdout. */
  logger?: Logger;
  /** Ingest service URL (events and the run API). Env TENAX_INGEST_URL, default http://127.0.0.1:8288. */
  ingestUrl?: string;
  /** Executor service URL. Env TENAX_EXECUTOR_URL, default http://127.0.0.1:8289. */
  executorUrl?: string;
  /** Key for sending events. Env TENAX_EVENT_KEY; falls back to the signing key. */
  eventKey?: string;
  /** Key authenticating workers and run API calls (`runs`), and sends when no event key is set. Env TENAX_SIGNING_KEY. */
  signingKey?: string;
  /** App version; the newest version decides function configs. Default "1". */
  appVersion?: string;
  /**
   * Default `checkpointing` of this client's functions (a function's own
   * setting, `false` included, replaces it as a whole). Default: off.
   */
  checkpointing?: boolean | CheckpointingOptions;
}

/** TenaxOptions with every default applied. */
export interface ResolvedConfig {
  appId: string;
  appVersion: string;
  logger: Logger;
  ingestUrl: string;
  executorUrl: string;
  eventKey: string | undefined;
  signingKey: string | undefined;
  /** Validated; `createFunction` applies it to functions without their own setting. */
  checkpointing: boolean | CheckpointingOptions | undefined;
}

const DEFAULT_INGEST_URL = "http://127.0.0.1:8288";
const DEFAULT_EXECUTOR_URL = "http://127.0.0.1:8289";
const LOG_LEVELS: readonly string[] = ["debug", "info", "warn", "error"];

// The only place the SDK reads the environment, so behaviour is easy to audit.
export function resolveConfig(options: TenaxOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  if (typeof options?.id !== "string" || options.id.trim() === "") {
    throw new TenaxError("invalid_config", "new Tenax(): `id` must be a non-empty string (the app id)");
  }
  // Checked here for early feedback; each function resolves it again.
  toCheckpointing(options.checkpointing, (field, problem) => new TenaxError("invalid_config", `new Tenax(): ${field} ${problem}`));
  const level = env.TENAX_LOG_LEVEL?.toLowerCase();
  return {
    appId: options.id,
    appVersion: options.appVersion ?? "1",
    logger: options.logger ?? createJsonLogger({ level: level && LOG_LEVELS.includes(level) ? (level as LogLevel) : "info" }),
    ingestUrl: options.ingestUrl ?? nonEmpty(env.TENAX_INGEST_URL) ?? DEFAULT_INGEST_URL,
    executorUrl: options.executorUrl ?? nonEmpty(env.TENAX_EXECUTOR_URL) ?? DEFAULT_EXECUTOR_URL,
    eventKey: options.eventKey ?? nonEmpty(env.TENAX_EVENT_KEY),
    signingKey: options.signingKey ?? nonEmpty(env.TENAX_SIGNING_KEY),
    checkpointing: options.checkpointing,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
