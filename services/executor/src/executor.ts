import { startService, type ServiceHandle } from "@tenax/common";
import { ExecutorService, WorkerService } from "@tenax/proto";
import { channels, createDbClock, leaseReleaseOwner, listen, runsFinish, stepsSave, type RunFinishParams, type StepSaveParams } from "@tenax/state";
import type { ExecutorConfig } from "./config.js";
import { createDispatcher } from "./dispatcher.js";
import { createGroupCommit } from "./group-commit.js";
import { fenceExpired } from "./inflight.js";
import type { WorkerSession } from "./session.js";
import { workerStream } from "./worker-stream.js";

export type ExecutorHandle = ServiceHandle;

/** Starts the executor: holds worker streams, claims work, persists results. */
export function startExecutor(config: ExecutorConfig): Promise<ExecutorHandle> {
  return startService({
    name: "executor",
    settings: config,
    poolSize: config.dbPoolSize,
    closeTimeoutMs: 1000,
    async parts({ instanceId: executorId, logger, database, isDraining }) {
      const sessions = new Map<string, WorkerSession>();
      // Lease expiries and due times are the database's: compared with its clock, not ours.
      const clock = await createDbClock(database.sql);
      const dispatcher = createDispatcher({ database, config, executorId, sessions, logger, clock });
      const steps = createGroupCommit(
        (batch: StepSaveParams[]) => stepsSave(database.sql, batch),
        (p) => p.runId,
      );
      const finishes = createGroupCommit(
        (batch: RunFinishParams[]) => runsFinish(database.sql, batch),
        (p) => p.runId,
      );
      const deps = { database, config, executorId, sessions, dispatcher, steps, finishes, logger, isDraining, clock };

      const unlisten = await listen(database.sql, channels.queue, () => dispatcher.pump());
      // Safety net: notifications are lost while the connection is down, and expired leases
      // (a crashed executor's work) become claimable without any notification.
      const poll = setInterval(() => {
        const now = clock.now();
        for (const s of sessions.values()) fenceExpired(s.requests, now);
        dispatcher.pump();
      }, config.pollMs);

      return {
        listening: { leaseMs: config.leaseMs },
        routes(router) {
          router.service(WorkerService, { connect: (messages, ctx) => workerStream(deps, messages, ctx.signal) });
          router.service(ExecutorService, {
            async listWorkers() {
              return {
                workers: [...sessions.values()].map((s) => ({
                  connectionId: s.connectionId,
                  appId: s.appId,
                  appVersion: s.appVersion,
                  functionIds: [...s.functionIds],
                  inFlight: s.requests.size,
                  maxConcurrency: s.maxConcurrency,
                })),
              };
            },
          });
        },
        async drain() {
          // Take no new work, let in-flight requests finish (bounded), hand back the rest.
          dispatcher.stop();
          clearInterval(poll);
          const deadline = Date.now() + config.drainMs;
          while ([...sessions.values()].some((s) => s.requests.size > 0) && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
          }
          for (const s of sessions.values()) {
            s.send({ kind: { case: "close", value: { reason: "executor draining" } } });
            s.close("executor draining");
          }
          await leaseReleaseOwner(database.sql, executorId).catch(() => {});
        },
        close: async () => {
          clock.stop();
          await unlisten().catch(() => {});
        },
      };
    },
  });
}
