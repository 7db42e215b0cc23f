import { loadCliConfig } from "./config.js";
import { dev } from "./commands/dev.js";
import { exampleWorker } from "./commands/example-worker.js";
import { migrate } from "./commands/migrate.js";
import { runsCancel, runsGet, runsList, runsWatch } from "./commands/runs.js";
import { send } from "./commands/send.js";
import { start } from "./commands/start.js";

const usage = `tenax <command>

  dev                         embedded Postgres + ingest, scheduler, executor + example worker
  migrate                     apply database migrations (DATABASE_URL)
  example-worker              run the example functions as a worker (TENAX_INGEST_URL, TENAX_EXECUTOR_URL)
  start ingest|scheduler|executor
  send <name> [--data '{...}'] [--id <id>]
  runs list [--function <id>] [--status <status>] [--event <id>]
  runs get <run-id>
  runs watch <run-id> [--status-only]
  runs cancel <run-id> | --function <id> [--after <ISO>] [--before <ISO>]
`;

const [command, ...args] = process.argv.slice(2);
const config = loadCliConfig();
// A command whose promise never settles (a child that died unnoticed) must not exit 0.
let settled = false;
process.on("beforeExit", () => {
  if (settled) return;
  settled = true;
  process.stderr.write(`tenax ${command}: stopped before finishing\n`);
  process.exitCode = 1;
});
try {
  switch (command) {
    case "dev":
      await dev(config);
      break;
    case "migrate":
      await migrate(config);
      break;
    case "example-worker":
      await exampleWorker(config);
      break;
    case "start":
      await start(args[0]);
      break;
    case "send":
      await send(config, args);
      break;
    case "runs":
      if (args[0] === "list") await runsList(config, args.slice(1));
      else if (args[0] === "get") await runsGet(config, args[1]);
      else if (args[0] === "watch") await runsWatch(config, args.slice(1));
      else if (args[0] === "cancel") await runsCancel(config, args.slice(1));
      else throw new Error(usage);
      break;
    default:
      process.stdout.write(usage);
      process.exitCode = command ? 1 : 0;
  }
  settled = true;
} catch (err) {
  settled = true;
  process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
  process.exitCode = 1;
}
