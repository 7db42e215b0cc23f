import { oneOf, parseCommand, type CommandHelp } from "../args.js";

const services = ["ingest", "scheduler", "executor"] as const;

export const startHelp: CommandHelp = {
  name: "start",
  usage: `usage: tenax start <ingest | scheduler | executor>

Runs one service in this process, exactly as \`node services/<name>\` does. It reads DATABASE_URL,
its listen address (TENAX_INGEST_LISTEN, TENAX_SCHEDULER_LISTEN, TENAX_EXECUTOR_LISTEN) and the
other settings in docs/operations.md, and drains on SIGTERM or SIGINT.

  -h, --help        this help
`,
};

/** Runs one service in this process, exactly as `node services/<name>` does. */
export async function start(args: string[]): Promise<void> {
  const parsed = parseCommand(startHelp, args, {}, { min: 1, max: 1, names: ["<service>"] });
  if (!parsed) return;
  const name = oneOf(startHelp, "service", parsed.positionals[0]!, services);
  await import(`@tenax/${name}/main`);
}
