import type { LogFields } from "../logger/logger.js";

/**
 * Something odd the engine noticed during a replay (e.g. the handler's steps
 * no longer match the memo). The engine does no I/O: the worker logs these
 * with `logger.warn(message, fields)`.
 */
export interface ExecutionWarning {
  message: string;
  fields: LogFields;
}
