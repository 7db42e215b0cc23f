import type { CliConfig } from "../config.js";
import { startExampleWorker } from "../dev/example-worker.js";

/** The example functions as a standalone worker process (the compose file's `worker`). */
export async function exampleWorker(config: CliConfig): Promise<void> {
  const worker = await startExampleWorker(config.ingestUrl, config.executorUrl, config.signingKey);
  process.stdout.write(`${JSON.stringify({ msg: "worker ready", executor: config.executorUrl })}\n`);
  const stop = () => void worker.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
