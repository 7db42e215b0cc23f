import type { LogFields, Logger } from "./logger.js";
import { withFields } from "./with-fields.js";

type Level = "debug" | "info" | "warn" | "error";
type LogMethod = (message: string, ...args: unknown[]) => void;

/**
 * The fields a log call made right now carries, or undefined to drop the
 * call. Return the same object for as long as the fields stay the same: the
 * logger derives one child per fields object.
 */
export type LogFieldsSource = () => LogFields | undefined;

/**
 * The handler's `logger`: each call asks `current` for its fields (run id,
 * step id, attempt...) and is dropped when there are none (a replayed line).
 * Fields are attached with withFields (child, or metadata as last argument);
 * the call's own arguments are passed on unchanged.
 */
export function createRunLogger(base: Logger, current: LogFieldsSource): Logger {
  const scoped = new WeakMap<LogFields, Logger>();
  const loggerFor = (fields: LogFields): Logger => {
    let logger = scoped.get(fields);
    if (!logger) {
      logger = withFields(base, fields);
      scoped.set(fields, logger);
    }
    return logger;
  };
  const log =
    (level: Level): LogMethod =>
    (message, ...args) => {
      const fields = current();
      if (fields === undefined) return;
      (loggerFor(fields)[level] as LogMethod)(message, ...args);
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    // A child keeps the muting and the run fields.
    child: (fields) => createRunLogger(withFields(base, fields), current),
  };
}
