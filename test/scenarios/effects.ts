import { appendFileSync } from "node:fs";

/** Records that a step body ran, for tests counting side effects across processes. */
export function effect(runId: string, label: string): void {
  appendFileSync(process.env.TENAX_COUNTER_FILE ?? "/dev/null", `${runId} ${label}\n`);
}
