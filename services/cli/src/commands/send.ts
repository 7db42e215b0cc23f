import { ErrorReason, ReasonError } from "@tenax/proto";
import { Tenax } from "@tenax/sdk";
import { parseArgs } from "../args.js";
import type { CliConfig } from "../config.js";

export async function send(config: CliConfig, args: string[]): Promise<void> {
  const { flags, positional } = parseArgs(args);
  const name = positional[0];
  if (!name) throw new ReasonError(ErrorReason.INVALID_ARGUMENT, "usage: tenax send <name> [--data '{...}'] [--id <id>]");
  let data: Record<string, unknown> = {};
  try {
    data = flags.data ? JSON.parse(flags.data) : {};
  } catch (err) {
    throw new ReasonError(ErrorReason.INVALID_ARGUMENT, `--data is not valid JSON: ${(err as Error).message}`);
  }
  const tenax = new Tenax({ id: "tenax-cli", ingestUrl: config.ingestUrl, eventKey: config.eventKey, signingKey: config.signingKey });
  const { ids } = await tenax.send({ name, data, ...(flags.id ? { id: flags.id } : {}) });
  process.stdout.write(`${JSON.stringify({ ids })}\n`);
}
