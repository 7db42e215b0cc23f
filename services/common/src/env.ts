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
