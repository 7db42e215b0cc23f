import type { Logger } from "./logger.js";

export interface Stoppable {
  /** Drains and stops; resolves when the process may exit. */
  stop(): Promise<void>;
}

/**
 * Runs a service until SIGTERM/SIGINT, then drains it and exits. A second signal exits at once.
 */
export function stopOnSignals(service: Stoppable, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
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

/** Logs whether auth is on; unset keys mean open dev mode. */
export function logAuthMode(logger: Logger, keys: { eventKey?: string; signingKey?: string }): void {
  if (!keys.eventKey && !keys.signingKey) {
    logger.warn("auth disabled: open dev mode (set TENAX_EVENT_KEY and TENAX_SIGNING_KEY to require keys)");
  } else {
    logger.info("auth enabled", { eventKey: !!keys.eventKey, signingKey: !!keys.signingKey });
  }
}
