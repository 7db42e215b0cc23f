import { fileURLToPath } from "node:url";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExecutorService, IngestService, RunService, RunStatus, type Run } from "@tenax/proto";
import { createTestDatabases } from "@tenax/state";
import { inject } from "vitest";
import { startProcess, type Proc } from "./process.js";

export type ServiceName = "ingest" | "scheduler" | "executor";

/** Fast settings for tests: time-based behaviour shortened through settings, never defaults. */
export const testSettings: Record<string, string> = {
  // Long enough that a loaded CI machine never expires a healthy request's lease (which would
  // legitimately re-run a step); tests of lease expiry pass shortLease.
  TENAX_LEASE_MS: "10000",
  TENAX_HEARTBEAT_MS: "1000",
  TENAX_POLL_MS: "250",
  TENAX_RETRY_BACKOFF_SCALE: "0.001",
  TENAX_DRAIN_MS: "2000",
};

/** For tests that wait for a lease to expire. */
export const shortLease = { TENAX_LEASE_MS: "3000" };

export interface Stack {
  databaseUrl: string;
  env: Record<string, string>;
  ingestUrl: string;
  executorUrl: string;
  schedulerUrl: string;
  procs: Map<string, Proc>;
  runs: Client<typeof RunService>;
  ingest: Client<typeof IngestService>;
  /** Starts (or restarts, on its previous port) a service process. */
  start(name: ServiceName | `${ServiceName}-${number}`, extraEnv?: Record<string, string>): Promise<Proc>;
  /** Starts a worker process running a script from test/workers. */
  worker(script: string, env?: Record<string, string>, name?: string): Promise<Proc>;
  /** Starts a worker serving the functions a scenario module exports (`tenax`, `functions`). */
  scenarioWorker(moduleUrl: string, env?: Record<string, string>, name?: string): Promise<Proc>;
  /** Waits until the run ends (WatchRun), returns it. */
  waitForRun(runId: string, timeoutMs?: number): Promise<Run>;
  /** Waits for the run an event started (ListRuns by event id, then WatchRun). */
  runForEvent(eventId: string, timeoutMs?: number): Promise<Run>;
  stop(): Promise<void>;
}

const servicePath: Record<ServiceName, string> = {
  ingest: "services/ingest",
  scheduler: "services/scheduler",
  executor: "services/executor",
};

/** One stack of real service processes per test file, on a database cloned from the template. */
export async function startStack(file: string, extraEnv: Record<string, string> = {}, adminUrl = inject("adminUrl")): Promise<Stack> {
  const dbs = await createTestDatabases(adminUrl);
  const databaseUrl = await dbs.clone(file);
  const env = { DATABASE_URL: databaseUrl, ...testSettings, ...extraEnv };
  const procs = new Map<string, Proc>();
  const ports = new Map<string, number>();
  const listenVar: Record<ServiceName, string> = {
    ingest: "TENAX_INGEST_LISTEN",
    scheduler: "TENAX_SCHEDULER_LISTEN",
    executor: "TENAX_EXECUTOR_LISTEN",
  };
  const start = async (name: string, more: Record<string, string> = {}) => {
    const kind = name.split("-")[0] as ServiceName;
    const port = ports.get(name) ?? 0;
    const proc = startProcess(name, [servicePath[kind]], { ...env, [listenVar[kind]]: `127.0.0.1:${port}`, ...more });
    procs.set(name, proc);
    const line = await proc.waitFor((l) => l.msg === "listening");
    ports.set(name, line.port as number);
    return proc;
  };
  await Promise.all([start("ingest"), start("scheduler"), start("executor")]);
  const url = (name: string) => `http://127.0.0.1:${ports.get(name)}`;
  const waiter = createRunWaiter(url("ingest"), extraEnv.TENAX_SIGNING_KEY);
  const { runs, ingest } = waiter;
  let workers = 0;

  const stack: Stack = {
    databaseUrl,
    env,
    ingestUrl: url("ingest"),
    get executorUrl() {
      return url("executor");
    },
    schedulerUrl: url("scheduler"),
    procs,
    runs,
    ingest,
    start,
    async worker(script, more = {}, name = `worker-${++workers}`) {
      const proc = startProcess(name, ["--import", "tsx", `test/workers/${script}`], {
        TENAX_INGEST_URL: url("ingest"),
        TENAX_EXECUTOR_URL: url("executor"),
        ...more,
      });
      procs.set(name, proc);
      await proc.waitFor((l) => l.msg === "worker ready");
      return proc;
    },
    scenarioWorker(moduleUrl, more = {}, name) {
      return stack.worker("scenario.ts", { SCENARIO_MODULE: fileURLToPath(moduleUrl), ...more }, name);
    },
    waitForRun: waiter.waitForRun,
    runForEvent: waiter.runForEvent,
    async stop() {
      await Promise.all([...procs.values()].map((p) => p.kill("SIGKILL")));
    },
  };
  return stack;
}

/** Lists workers connected to an executor (to await registration instead of sleeping). */
export function executorClient(baseUrl: string) {
  return createClient(ExecutorService, createGrpcTransport({ baseUrl, acceptCompression: [] }));
}

/** Clients of one ingest, and waiting on runs through WatchRun (never polling). */
export function createRunWaiter(ingestUrl: string, key?: string) {
  const transport = createGrpcTransport({
    baseUrl: ingestUrl,
    acceptCompression: [],
    readMaxBytes: 64 << 20,
    writeMaxBytes: 64 << 20,
    interceptors: key ? [(next) => (req) => (req.header.set("authorization", `Bearer ${key}`), next(req))] : [],
  });
  const runs = createClient(RunService, transport);
  const ingest = createClient(IngestService, transport);
  const waitForRun = async (runId: string, timeoutMs = 45_000): Promise<Run> => {
    const signal = AbortSignal.timeout(timeoutMs);
    let last: Run | undefined;
    for await (const msg of runs.watchRun({ runId, statusOnly: true }, { signal })) {
      last = msg.run;
      if (last && [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED].includes(last.status)) return last;
    }
    throw new Error(`watch of run ${runId} ended before the run did (last status ${last?.status})`);
  };
  return {
    runs,
    ingest,
    waitForRun,
    async runForEvent(eventId: string, timeoutMs = 45_000): Promise<Run> {
      // The run is created in the same transaction as the event, so it is listed at once.
      const { runs: found } = await runs.listRuns({ eventId });
      if (found.length !== 1) throw new Error(`expected one run for event ${eventId}, found ${found.length}`);
      return waitForRun(found[0]!.id, timeoutMs);
    },
  };
}
