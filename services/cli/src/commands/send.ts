import { Tenax } from "@tenax/sdk";
import { parseCommand, readJsonArgument, UsageError, type CommandHelp } from "../args.js";
import type { CliConfig } from "../config.js";

export const sendHelp: CommandHelp = {
  name: "send",
  usage: `usage: tenax send <name> [--data <json> | --data @<file> | --data -] [--id <id>]

Sends one event to ingest (TENAX_INGEST_URL, key TENAX_EVENT_KEY or TENAX_SIGNING_KEY) and
prints its id as JSON: {"ids":["…"]}. \`tenax runs get <event id>\` then shows the run it started.

  --data <json>     the event's data, a JSON object (default {})
  --data @<file>    read the data from a file
  --data -          read the data from stdin
  --id <id>         the event's id: an id already sent in the last 24 h starts no run again
  -h, --help        this help
`,
};

export async function send(config: () => CliConfig, args: string[]): Promise<void> {
  const parsed = parseCommand(sendHelp, args, { data: { type: "string" }, id: { type: "string" } }, { min: 1, max: 1, names: ["<name>"] });
  if (!parsed) return;
  const name = parsed.positionals[0]!;
  const { values } = parsed;
  const data = values.data === undefined ? {} : readJsonArgument(sendHelp, "--data", values.data);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    const kind = data === null ? "null" : Array.isArray(data) ? "an array" : `a ${typeof data}`;
    throw new UsageError(`tenax send: --data must be a JSON object, got ${kind}`, sendHelp.usage);
  }
  const { ingestUrl, eventKey, signingKey } = config();
  const tenax = new Tenax({ id: "tenax-cli", ingestUrl, eventKey, signingKey });
  const { ids } = await tenax.send({ name, data: data as Record<string, unknown>, ...(values.id !== undefined ? { id: values.id } : {}) });
  process.stdout.write(`${JSON.stringify({ ids })}\n`);
}
