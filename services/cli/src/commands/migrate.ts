import { envDatabaseUrl } from "@tenax/common";
import { ErrorReason, ReasonError } from "@tenax/proto";
import { migrateDatabase } from "@tenax/state";
import { parseCommand, type CommandHelp } from "../args.js";
import type { CliConfig } from "../config.js";

export const migrateHelp: CommandHelp = {
  name: "migrate",
  usage: `usage: tenax migrate

Applies the database migrations to DATABASE_URL (required) and exits: a one-shot step before the
services start (they also migrate when they start). Safe to run again.

  -h, --help        this help
`,
};

export async function migrate(config: () => CliConfig, args: string[]): Promise<void> {
  if (!parseCommand(migrateHelp, args, {})) return;
  const { databaseUrl } = config();
  if (!databaseUrl)
    throw new ReasonError(ErrorReason.MISSING_SETTING, "DATABASE_URL is required for `tenax migrate` (postgres://user:password@host:5432/database)");
  await migrateDatabase(envDatabaseUrl({ DATABASE_URL: databaseUrl }));
  process.stdout.write("migrations applied\n");
}
