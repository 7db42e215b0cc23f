import { ErrorReason, ReasonError } from "@tenax/proto";
import { migrateDatabase } from "@tenax/state";
import type { CliConfig } from "../config.js";

export async function migrate(config: CliConfig): Promise<void> {
  if (!config.databaseUrl) throw new ReasonError(ErrorReason.MISSING_SETTING, "DATABASE_URL is required for `tenax migrate`");
  await migrateDatabase(config.databaseUrl);
  process.stdout.write("migrations applied\n");
}
