import { parseCommand, type CommandHelp } from "../args.js";
import type { CliConfig } from "../config.js";
import { startExampleWorker } from "../dev/example-worker.js";

export const exampleWorkerHelp: CommandHelp = {
  name: "example-worker",
  usage: `usage: tenax example-worker

Runs the example functions (hello on demo/hello; process-order and big-spender on order/created)
as a worker of the executor at TENAX_EXECUTOR_URL (key TENAX_SIGNING_KEY), until SIGTERM or SIGINT.

  -h, --help        this help
`,
};

/** The example functions as a standalone worker process (the compose file's `worker`). */
export async function exampleWorker(config: () => CliConfig, args: string[]): Promise<void> {
  if (!parseCommand(exampleWorkerHelp, args, {})) return;
  const { ingestUrl, executorUrl, signingKey } = config();
  const worker = await startExampleWorker({ ingestUrl, executorUrl, signingKey });
  process.stdout.write(`${JSON.stringify({ msg: "worker ready", executor: executorUrl })}\n`);
  const stop = () => void worker.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
