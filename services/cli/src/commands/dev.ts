import { resolve } from "node:path";
import { startExecutor, loadExecutorConfig } from "@tenax/executor";
import { loadIngestConfig, startIngest } from "@tenax/ingest";
import { loadSchedulerConfig, startScheduler } from "@tenax/scheduler";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";
import type { CliConfig } from "../config.js";
import { startExampleWorker } from "../dev/example-worker.js";

/**
 * Everything on one machine with nothing installed: an embedded PostgreSQL 15 under ./.tenax
 * (unless DATABASE_URL is set), the three services in this process, and an example worker.
 */
export async function dev(config: CliConfig): Promise<void> {
  let pg: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({ dataDir: resolve(config.dataDir, "pg"), port: config.devPostgresPort });
    databaseUrl = pg.url;
  }
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const ingest = await startIngest(loadIngestConfig(env));
  const scheduler = await startScheduler(loadSchedulerConfig(env));
  const executor = await startExecutor(loadExecutorConfig(env));
  const worker = await startExampleWorker(`http://127.0.0.1:${ingest.port}`, `http://127.0.0.1:${executor.port}`, config.signingKey);
  process.stdout.write(
    [
      "",
      "Tenax dev is running",
      `  database   ${pg ? `embedded PostgreSQL 15, data in ${resolve(config.dataDir, "pg")}` : "DATABASE_URL"}`,
      `  ingest     http://127.0.0.1:${ingest.port}   (events + run API)`,
      `  executor   http://127.0.0.1:${executor.port}   (worker streams)`,
      `  scheduler  http://127.0.0.1:${scheduler.port}`,
      "",
      "Send an event:",
      `  npx tenax send demo/hello --data '{"name":"Ada"}'`,
      `  curl -H 'content-type: application/json' -d '{"events":[{"name":"demo/hello","data":{"name":"Ada"}}]}' http://127.0.0.1:${ingest.port}/tenax.v1.IngestService/SendEvents`,
      "Then: npx tenax runs list   and   npx tenax runs get <run-id>",
      "",
    ].join("\n"),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await worker.close();
    await executor.stop();
    await scheduler.stop();
    await ingest.stop();
    await pg?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}
