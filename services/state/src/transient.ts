// Whether a database failure may heal by itself (retry later) or comes from the work itself
// (the same statement on the same data fails again: skip or fail it, never loop on it).

/** Errors of the connection itself (node's socket codes, postgres.js's own). */
export const connectionErrorCodes: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * SQLSTATE classes of failures that are not the statement's fault: connection exception (08),
 * transaction rollback such as a deadlock or serialization failure (40), insufficient resources
 * (53), object not in prerequisite state such as a lock timeout (55), operator intervention such
 * as a shutdown (57), system error (58), internal error (XX).
 */
const transientClasses = new Set(["08", "40", "53", "55", "57", "58", "XX"]);

export function isTransientDatabaseError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  if (connectionErrorCodes.has(code)) return true;
  return /^[0-9A-Z]{5}$/.test(code) && transientClasses.has(code.slice(0, 2));
}
