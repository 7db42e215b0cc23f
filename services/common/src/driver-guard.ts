import { isTransientDatabaseError } from "@tenax/state";
import type { Logger } from "./logger.js";

/**
 * postgres.js (3.4.x) can write to a socket it has already dropped: when a connection is cut
 * while a write is queued, its timer fires `socket.write` on null and throws from a timer, where
 * no caller can catch it, and the process would exit. The connection is already gone and its
 * queries already failed (and are retried by their callers), so this one error is logged and
 * absorbed, and so is a connection loss that surfaced as an unhandled rejection; any other
 * uncaught exception still ends the process.
 */
export function isDriverWriteAfterClose(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /reading 'write'/.test(err.message) &&
    /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? "") &&
    /nextWrite/.test(err.stack ?? "")
  );
}

let installed = false;

export function guardDriverBugs(logger: Logger): void {
  if (installed) return;
  installed = true;
  process.on("uncaughtException", (err, origin) => {
    if (isDriverWriteAfterClose(err)) {
      logger.warn("database driver wrote to a closed connection; the connection was already lost", { err: String(err) });
      return;
    }
    // A lost database connection that surfaced in a promise nobody awaited: its work failed
    // with the connection (transactions roll back; callers retry), the process carries on.
    if (origin === "unhandledRejection" && isTransientDatabaseError(err)) {
      logger.warn("a database connection was lost outside any request; carrying on", { err: String(err) });
      return;
    }
    logger.error("uncaught exception; exiting", { err, origin });
    process.exit(1);
  });
}
