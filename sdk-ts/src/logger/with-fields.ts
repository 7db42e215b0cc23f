import type { LogFields, Logger } from "./logger.js";

type Level = "debug" | "info" | "warn" | "error";
type LogMethod = (message: string, ...args: unknown[]) => void;

/**
 * A logger adding `fields` to every line: `logger.child(fields)` when the
 * logger has `child` (default JSON logger, pino, winston); otherwise a
 * wrapper passing them as a metadata object in the last argument, e.g.
 * `console.info(message, fields)`. When the call's own last argument is a
 * plain object, the fields are merged into it (the call's keys win).
 */
export function withFields(logger: Logger, fields: LogFields): Logger {
  return typeof logger.child === "function" ? logger.child(fields) : metadataLogger(logger, fields);
}

function metadataLogger(target: Logger, fields: LogFields): Logger {
  const log =
    (level: Level): LogMethod =>
    (message, ...args) =>
      (target[level] as LogMethod)(message, ...withMetadata(args, fields));
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (more) => metadataLogger(target, { ...fields, ...more }),
  };
}

function withMetadata(args: unknown[], fields: LogFields): unknown[] {
  const last = args[args.length - 1];
  if (isPlainObject(last)) return [...args.slice(0, -1), { ...fields, ...last }];
  return [...args, fields];
}

function isPlainObject(value: unknown): value is LogFields {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
