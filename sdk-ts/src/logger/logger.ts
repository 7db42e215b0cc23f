/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * What the SDK logs through. Any object with these methods works: the
 * default JSON logger, winston, pino, `console`. Structured fields are added
 * with `child(fields)` when the logger has it (see withFields).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Optional: a logger that adds `fields` to every line. */
  child?(fields: LogFields): Logger;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** Lowest level written. Default "info". */
  level?: LogLevel;
  /** Fields added to every line. */
  fields?: LogFields;
  /** Where lines go. Default: process.stdout. */
  write?: (line: string) => void;
}

/** A small logger writing one JSON object per line. */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minRank = LEVEL_RANK[options.level ?? "info"];
  const base = options.fields ?? {};
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const log = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (LEVEL_RANK[level] < minRank) return;
    // The field names and order of the services' lines: ts, level, then fields, msg.
    const line = { ts: new Date().toISOString(), level, ...base, msg: message, ...fields };
    write(`${safeStringify(line)}\n`);
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createJsonLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

// A log call must never throw because of an odd field value.
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, val: unknown) => {
      if (typeof val === "bigint") return val.toString();
      if (val instanceof Error) return { name: val.name, message: val.message, stack: val.stack };
      return val;
    });
  } catch {
    return JSON.stringify({ level: "error", msg: "unserializable log line" });
  }
}
