import type { Sql } from "../types.js";

export interface WorkerConnected {
  connectionId: string;
  executorId: string;
  instanceId: string;
  appId: string;
  appVersion: string;
  sdk: string;
  functionIds: string[];
  maxConcurrency: number;
}

/** Records a worker connection (for operators; routing lives in the executor's memory). */
export async function workerConnected(sql: Sql, w: WorkerConnected): Promise<void> {
  await sql`
    insert into workers (connection_id, executor_id, instance_id, app_id, app_version, sdk, function_ids, max_concurrency)
    values (${w.connectionId}, ${w.executorId}, ${w.instanceId}, ${w.appId}, ${w.appVersion}, ${w.sdk},
      ${w.functionIds}::text[], ${w.maxConcurrency})`;
}

export async function workerDisconnected(sql: Sql, connectionId: string): Promise<void> {
  await sql`update workers set disconnected_at = now() where connection_id = ${connectionId}`;
}
