import { readFileSync, mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkListen, envDatabaseUrl } from "@tenax/common";
import { loadExecutorConfig, startExecutor } from "@tenax/executor";
import { loadIngestConfig, startIngest } from "@tenax/ingest";
import { ErrorReason, ReasonError } from "@tenax/proto";
import { loadSchedulerConfig, startScheduler } from "@tenax/scheduler";
import { createJsonLogger } from "@tenax/sdk";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";
import { parseCommand, type CommandHelp } from "../args.js";
import type { CliConfig } from "../config.js";
import { startExampleWorker } from "../dev/example-worker.js";
import { startRunLines } from "../dev/run-lines.js";

export const devHelp: CommandHelp = {
  name: "dev",
  usage: `usage: tenax dev

Runs Tenax on this machine with nothing installed: an embedded PostgreSQL 15 (data in
TENAX_DATA_DIR/pg, default .tenax/pg, port TENAX_DEV_PG_PORT, default 54329) unless DATABASE_URL is
set, the three services (TENAX_INGEST_LISTEN, TENAX_EXECUTOR_LISTEN, TENAX_SCHEDULER_LISTEN), and
a worker serving the example functions. Prints a line per run that starts and ends. Ctrl-C stops
the worker, drains the services, then stops PostgreSQL.

  -h, --help        this help
`,
};

/**
 * Everything on one machine with nothing installed: an embedded PostgreSQL 15 under ./.tenax
 * (unless DATABASE_URL is set), the three services in this process, and an example worker.
 * Settings and ports are checked before anything starts; on SIGINT/SIGTERM everything stops in
 * order (worker, services, Postgres) and one final line says so.
 */
export async function dev(config: () => CliConfig, args: string[]): Promise<void> {
  if (!parseCommand(devHelp, args, {})) return;
  const cfg = config();
  const dataDir = resolve(cfg.dataDir);
  const pgDir = join(dataDir, "pg");
  const embedded = !cfg.databaseUrl;
  const databaseUrl = cfg.databaseUrl
    ? envDatabaseUrl({ DATABASE_URL: cfg.databaseUrl })
    : `postgres://postgres:postgres@127.0.0.1:${cfg.devPostgresPort}/postgres`;
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  // Every setting and port first: a mistake fails at once, before Postgres starts.
  const settings = { ingest: loadIngestConfig(env), scheduler: loadSchedulerConfig(env), executor: loadExecutorConfig(env) };
  await checkListen(settings.ingest.host, settings.ingest.port, "TENAX_INGEST_LISTEN");
  await checkListen(settings.executor.host, settings.executor.port, "TENAX_EXECUTOR_LISTEN");
  await checkListen(settings.scheduler.host, settings.scheduler.port, "TENAX_SCHEDULER_LISTEN");

  // What runs, stopped in reverse order.
  const stoppers: Array<{ name: string; stop: () => Promise<void> }> = [];
  let pg: EmbeddedPostgresHandle | undefined;
  let pgStopped = false;
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const s of stoppers.reverse()) {
        await s.stop().catch((err) => process.stderr.write(`tenax dev: stopping ${s.name} failed: ${(err as Error)?.message ?? String(err)}\n`));
      }
    })());
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // `npm start` forwards the Ctrl-C its child got from the terminal too: the same keypress.
      if (Date.now() - firstSignalAt < repeatedSignalMs) return;
      // A second Ctrl-C: exit now. The exit hook gives Postgres its fast shutdown.
      process.stdout.write(`Tenax dev stopped at once (${signal} again)\n`);
      process.exit(1);
    }
    firstSignalAt = Date.now();
    void stopAll().then(() => {
      process.stdout.write(`Tenax dev stopped (${signal}): worker closed, services drained${pg ? ", PostgreSQL stopped" : ""}\n`);
      process.exit(0);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Whatever ends this process, the detached Postgres must not outlive it.
  process.on("exit", () => {
    if (pg && !pgStopped) {
      try {
        process.kill(pg.pid, "SIGINT");
      } catch {
        // already gone
      }
    }
  });

  try {
    if (embedded) {
      const release = lockDataDir(dataDir);
      stoppers.push({ name: "the data directory lock", stop: async () => release() });
      const started = await startEmbeddedPostgres({
        dataDir: pgDir,
        port: cfg.devPostgresPort,
        detached: true,
        stopLeftover: true,
        portSetting: "TENAX_DEV_PG_PORT",
        onLeftoverStopped: (pid) => process.stdout.write(`Stopped the PostgreSQL (pid ${pid}) a killed tenax dev left running on ${pgDir}\n`),
      });
      pg = started;
      stoppers.push({
        name: "PostgreSQL",
        stop: async () => {
          await started.stop();
          pgStopped = true;
        },
      });
    }
    const ingest = await startIngest(settings.ingest);
    stoppers.push({ name: "ingest", stop: () => ingest.stop() });
    const scheduler = await startScheduler(settings.scheduler);
    stoppers.push({ name: "scheduler", stop: () => scheduler.stop() });
    const executor = await startExecutor(settings.executor);
    stoppers.push({ name: "executor", stop: () => executor.stop() });
    const runLines = await startRunLines(databaseUrl, (line) => process.stdout.write(`${line}\n`));
    stoppers.push({ name: "the run lines", stop: () => runLines.stop() });
    const worker = await startExampleWorker({
      ingestUrl: `http://127.0.0.1:${ingest.port}`,
      executorUrl: `http://127.0.0.1:${executor.port}`,
      signingKey: cfg.signingKey,
      // The executor logs each worker connection (this one's too): the worker itself says only what goes wrong.
      logger: createJsonLogger({ level: "warn", fields: { service: "example-worker" } }),
    });
    stoppers.push({ name: "the example worker", stop: () => worker.close({ timeoutMs: 10_000 }) });
    process.stdout.write(
      [
        "",
        "Tenax dev is running",
        `  database   ${pg ? `embedded PostgreSQL 15, data in ${pgDir}, port ${cfg.devPostgresPort}` : "DATABASE_URL"}`,
        `  ingest     http://127.0.0.1:${ingest.port}   (events + run API)`,
        `  executor   http://127.0.0.1:${executor.port}   (worker streams)`,
        `  scheduler  http://127.0.0.1:${scheduler.port}`,
        "",
        "Send an event:",
        `  npx tenax send demo/hello --data '{"name":"Ada"}'`,
        `  curl -H 'content-type: application/json' -d '{"events":[{"name":"demo/hello","data":{"name":"Ada"}}]}' http://127.0.0.1:${ingest.port}/tenax.v1.IngestService/SendEvents`,
        "Then: npx tenax runs list   and   npx tenax runs get <run id or event id>",
        "Runs are listed below as they start and end. Ctrl-C stops everything.",
        "",
      ].join("\n"),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A signal this soon after the first is the same request (a terminal's and npm's copy of one Ctrl-C). */
const repeatedSignalMs = 1000;

/**
 * Claims the data directory for this process (`dev.pid`), so a second `tenax dev` on it fails
 * instead of stopping the first one's Postgres; a lock left by a killed process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, "dev.pid");
  let holder = 0;
  try {
    holder = Number(readFileSync(lock, "utf8").trim());
  } catch {
    // no lock
  }
  if (holder > 0 && holder !== process.pid && isAlive(holder)) {
    throw new ReasonError(
      ErrorReason.INVALID_SETTING,
      `another tenax dev (pid ${holder}) runs on ${dataDir}: stop it, or set TENAX_DATA_DIR to another directory (if no tenax dev runs, delete ${lock})`,
    );
  }
  writeFileSync(lock, `${process.pid}\n`);
  const release = () => {
    try {
      if (Number(readFileSync(lock, "utf8").trim()) === process.pid) unlinkSync(lock);
    } catch {
      // gone already
    }
  };
  process.on("exit", release);
  return release;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
