import { Code, ConnectError } from "@connectrpc/connect";
import { UsageError, type CommandHelp } from "./args.js";
import { loadCliConfig, type CliConfig } from "./config.js";
import { dev, devHelp } from "./commands/dev.js";
import { exampleWorker, exampleWorkerHelp } from "./commands/example-worker.js";
import { migrate, migrateHelp } from "./commands/migrate.js";
import { runs, runsCancelHelp, runsGetHelp, runsHelp, runsListHelp, runsWatchHelp } from "./commands/runs.js";
import { send, sendHelp } from "./commands/send.js";
import { start, startHelp } from "./commands/start.js";

const usage = `usage: tenax <command> [options]

  dev                     embedded Postgres + ingest, scheduler, executor + example worker
  migrate                 apply the database migrations (DATABASE_URL)
  example-worker          run the example functions as a worker
  start <service>         run one service: ingest, scheduler or executor
  send <name>             send an event [--data <json> | @<file> | -] [--id <id>]
  runs list               list runs [--function <id>] [--status <status>] [--event <id>] [--json]
  runs get <id>           a run with its steps (a run id, or the event id that started it)
  runs watch <id>         every step and status change of a run until it ends
  runs cancel <id>        cancel a run, or --function <id> to cancel many

\`tenax <command> --help\` describes a command and its options. Settings come from the
environment: TENAX_INGEST_URL, TENAX_EXECUTOR_URL, TENAX_EVENT_KEY, TENAX_SIGNING_KEY and, for the
services, DATABASE_URL and the TENAX_*_LISTEN addresses (docs/operations.md lists them all).
`;

type Run = (config: () => CliConfig, args: string[]) => Promise<void>;
const commands: Record<string, { help: CommandHelp; run: Run }> = {
  dev: { help: devHelp, run: dev },
  migrate: { help: migrateHelp, run: migrate },
  "example-worker": { help: exampleWorkerHelp, run: exampleWorker },
  start: { help: startHelp, run: (_config, args) => start(args) },
  send: { help: sendHelp, run: send },
  runs: { help: runsHelp, run: runs },
};
const subcommandHelp: Record<string, CommandHelp> = { list: runsListHelp, get: runsGetHelp, watch: runsWatchHelp, cancel: runsCancelHelp };

const [command, ...args] = process.argv.slice(2);
const commandName = command === "runs" && args[0] && !args[0].startsWith("-") ? `runs ${args[0]}` : command;
// Read on first use, so that `--help` works whatever the environment holds.
let config: CliConfig | undefined;
const getConfig = () => (config ??= loadCliConfig());

// A command whose promise never settles (a child that died unnoticed) must not exit 0.
let settled = false;
process.on("beforeExit", () => {
  if (settled) return;
  settled = true;
  process.stderr.write(`tenax ${commandName}: stopped before finishing\n`);
  process.exitCode = 1;
});
try {
  if (command === undefined || command === "-h" || command === "--help") {
    process.stdout.write(usage);
  } else if (command === "help") {
    // tenax help [command [subcommand]]
    const [name, sub] = args;
    const help = name === "runs" && sub ? subcommandHelp[sub] : name ? commands[name]?.help : undefined;
    if (name && !help) throw new UsageError(`tenax help: unknown command ${JSON.stringify([name, sub].filter(Boolean).join(" "))}`, usage);
    process.stdout.write(help?.usage ?? usage);
  } else {
    const found = commands[command];
    if (!found) throw new UsageError(`tenax: unknown command ${JSON.stringify(command)}`, usage);
    await found.run(getConfig, args);
  }
  settled = true;
} catch (err) {
  settled = true;
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${err.usage}`);
    process.exit(2);
  }
  process.stderr.write(`${describeFailure(err)}\n`);
  // Now, even if something the command started still holds the event loop.
  process.exit(1);
}

/** A failed command in words: an unreachable or refusing service names the setting to check. */
function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const rpc = findConnectError(err);
  const ingestUrl = config?.ingestUrl ?? "the ingest URL";
  if (rpc?.code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH/.test(rpc.message)) {
    return `tenax ${commandName}: ${message}\nNo Tenax ingest answers at ${ingestUrl}: start it (npx tenax dev), or set TENAX_INGEST_URL to where it runs.`;
  }
  if (rpc?.code === Code.Unauthenticated) {
    return `tenax ${commandName}: ${message}\nSet TENAX_SIGNING_KEY (and TENAX_EVENT_KEY for sending, if ingest has one) to the keys the services run with.`;
  }
  return `tenax ${commandName}: ${message}`;
}

function findConnectError(err: unknown): ConnectError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectError) return e;
  }
  return undefined;
}
