import { startService, toConnectError, type ServiceHandle } from "@tenax/common";
import { IngestService, RunService } from "@tenax/proto";
import type { IngestConfig } from "./config.js";
import { startSystemEventDispatcher } from "./dispatch-system-events.js";
import { cancelRun, cancelRuns, getRun, listRuns } from "./run-api.js";
import { sendEvents } from "./send-events.js";
import { createWatchHub, watchRun } from "./watch-run.js";
import { watchRuns } from "./watch-runs.js";

export type IngestHandle = ServiceHandle;

/** Starts ingest: the event API (IngestService) and the run API (RunService). */
export function startIngest(config: IngestConfig): Promise<IngestHandle> {
  return startService({
    name: "ingest",
    settings: config,
    eventKeyMethods: ["SendEvents"],
    async parts({ database, logger }) {
      const hub = await createWatchHub(database);
      const dispatcher = await startSystemEventDispatcher(database, logger);
      // Handlers map unexpected errors to a status with a stable code; the service keeps serving.
      const guard = <T>(p: Promise<T>): Promise<T> => p.catch((err) => Promise.reject(toConnectError(err)));
      return {
        routes(router) {
          router.service(IngestService, { sendEvents: (req) => guard(sendEvents(database, req, logger)) });
          router.service(RunService, {
            getRun: (req) => guard(getRun(database, req)),
            listRuns: (req) => guard(listRuns(database, req)),
            cancelRun: (req) => guard(cancelRun(database, req)),
            cancelRuns: (req) => guard(cancelRuns(database, req)),
            watchRun: (req, ctx) => watchRun(database, hub, req, ctx.signal),
            watchRuns: (req, ctx) => watchRuns(database, hub, req, ctx.signal),
          });
        },
        drain: () => dispatcher.stop(),
        close: () => hub.close(),
      };
    },
  });
}
