import { isTransientDatabaseError } from "@tenax/state";
import { createLogger, type Logger } from "./logger.js";

export interface Stoppable {
  /** Drains and stops; resolves when the process may exit. */
  stop(): Promise<void>;
}

/**
 * Runs a service until SIGTERM/SIGINT, then drains it and exits. A second signal (a second or
 * more after the first) exits at once.
 */
export function stopOnSignals(service: Stoppable, logger: Logger): void {
  let stopping = false;
  let firstAt = 0;
  const onSignal = (signal: string) => {
    if (stopping) {
      // Within a second it is the same request: a terminal's Ctrl-C and npm's forwarded copy of it.
      if (Date.now() - firstAt < 1000) return;
      process.exit(1);
    }
    stopping = true;
    firstAt = Date.now();
    logger.info("draining", { signal });
    service.stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err) => {
        logger.error("stop failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
}

/**
 * The main of a service process: starts it (reading its settings inside `start`), then runs it
 * until a signal. A start that fails (a setting that cannot be used, a port in use, a database
 * that cannot be reached) is one error line that says what to change, and exit code 1 at once.
 */
export async function runService(name: string, start: () => Promise<Stoppable & { readonly logger: Logger }>): Promise<void> {
  let service: Stoppable & { readonly logger: Logger };
  // A connection lost while starting (Postgres restarting) is tried again for a while: the
  // migration already waits for an unreachable database, the rest of the start may lose it too.
  const giveUpAt = Date.now() + startRetryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      service = await start();
      break;
    } catch (err) {
      const logger = createLogger({ service: name });
      if (lostConnection(err) && Date.now() < giveUpAt) {
        logger.warn("database connection lost while starting; starting again", { err: String(err), attempt });
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
        continue;
      }
      logger.error(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    }
  }
  stopOnSignals(service, service.logger);
}

const startRetryMs = 60_000;

function lostConnection(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (isTransientDatabaseError(e)) return true;
  return false;
}

/** Logs whether auth is on; unset keys mean open dev mode. */
export function logAuthMode(logger: Logger, keys: { eventKey?: string; signingKey?: string }): void {
  if (!keys.eventKey && !keys.signingKey) {
    logger.warn("auth disabled: open dev mode (set TENAX_EVENT_KEY and TENAX_SIGNING_KEY to require keys)");
  } else {
    logger.info("auth enabled", { eventKey: !!keys.eventKey, signingKey: !!keys.signingKey });
  }
}
