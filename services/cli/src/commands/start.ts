import { ErrorReason, ReasonError } from "@tenax/proto";
const services = ["ingest", "scheduler", "executor"] as const;

/** Runs one service in this process, exactly as `node services/<name>` does. */
export async function start(name: string | undefined): Promise<void> {
  if (!services.includes(name as (typeof services)[number])) {
    throw new ReasonError(ErrorReason.INVALID_ARGUMENT, `tenax start: expected one of ${services.join(", ")}, got ${JSON.stringify(name ?? "")}`);
  }
  await import(`@tenax/${name}/main`);
}
