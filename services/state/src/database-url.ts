/** What a usable DATABASE_URL names: a PostgreSQL server and a database on it. */
export interface DatabaseTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** The URL with its password hidden, for messages. */
  redacted: string;
}

const example = "postgres://user:password@host:5432/database";

/**
 * Checks a PostgreSQL URL (scheme postgres:// or postgresql://, a host, a database) and returns
 * what it names; otherwise returns the problem, worded for people (it never repeats a password).
 * A socket directory in `?host=` counts as the host.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget | { problem: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { problem: `is not a URL; expected ${example}` };
  }
  const redacted = redactDatabaseUrl(url);
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    return { problem: `(${redacted}) has the scheme "${u.protocol.replace(/:$/, "")}"; Tenax needs PostgreSQL: ${example}` };
  }
  const host = decodeURIComponent(u.hostname) || u.searchParams.get("host") || "";
  if (!host) return { problem: `(${redacted}) names no host; expected ${example}` };
  const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!database) return { problem: `(${redacted}) names no database (the path after the host); expected ${example}` };
  return { host, port: Number(u.port) || 5432, database, user: decodeURIComponent(u.username) || "postgres", redacted };
}

/** The URL with its password replaced by `***` (the text as is when it is not a URL). */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}
