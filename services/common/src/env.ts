import { ErrorReason, ReasonError } from "@tenax/proto";
import { parseDatabaseUrl } from "@tenax/state";
/** Parsers for settings. Only each service's config.ts passes process.env in. */
export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === "" ? fallback : v;
}

export function envNumber(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ReasonError(ErrorReason.INVALID_SETTING, `${name}=${v} is not a non-negative number`);
  return n;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration setting: milliseconds ("90000") or a number with a unit ("90s", "15m", "7d"). */
export function envDuration(env: Env, name: string, fallbackMs: number): number {
  const v = env[name];
  if (v === undefined || v === "") return fallbackMs;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new ReasonError(ErrorReason.INVALID_SETTING, `${name}=${v} is not a duration (milliseconds, or a number with ms, s, m, h or d: "7d")`);
  return Math.round(Number(m[1]) * durationUnits[m[2] ?? "ms"]!);
}

/** Parses "host:port" into its parts. */
export function parseListen(value: string, name: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ReasonError(ErrorReason.INVALID_SETTING, `${name}=${value} must be host:port`);
  }
  return { host: value.slice(0, i) || "127.0.0.1", port };
}

export const defaultDatabaseUrl = "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/**
 * DATABASE_URL, checked: scheme postgres:// or postgresql://, a host and a database, or the
 * process refuses to start with `[invalid_setting]` (the message hides the password).
 */
export function envDatabaseUrl(env: Env, fallback: string = defaultDatabaseUrl): string {
  const url = envString(env, "DATABASE_URL", fallback);
  const parsed = parseDatabaseUrl(url);
  if ("problem" in parsed) throw new ReasonError(ErrorReason.INVALID_SETTING, `DATABASE_URL ${parsed.problem}`);
  return url;
}
