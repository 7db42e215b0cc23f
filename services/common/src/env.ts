import { ErrorReason, ReasonError } from "@tenax/proto";
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
