import type { Sql } from "../types.js";
import { cronsReplace, type CronSchedule } from "./crons.js";
import { compareAppVersions } from "../version-order.js";

export interface FunctionRegisterParams {
  appId: string;
  appVersion: string;
  functionId: string;
  /** The FunctionConfig as JSON; stored verbatim and compared to detect changes. */
  config: Record<string, unknown>;
  /** Event triggers, for the matching index. */
  eventTriggers: { eventName: string; expression: string }[];
  /** Cron schedules of the config's cron triggers; replace the function's when a new version is created. */
  cronSchedules?: CronSchedule[];
}

/**
 * Registers a function, creating a new version only when its config changed. Serialized per
 * function with an advisory lock so two workers registering at once agree on the version.
 */
export async function functionRegister(sql: Sql, p: FunctionRegisterParams): Promise<number> {
  const run = async (tx: Sql): Promise<number> => {
    await tx`select pg_advisory_xact_lock(hashtext(${p.appId + "/" + p.functionId}))`;
    const [current] = await tx`
      select version, app_version, config = ${JSON.stringify(p.config)}::jsonb as same
      from functions where app_id = ${p.appId} and function_id = ${p.functionId}`;
    if (current?.same) return current.version as number;
    // Only a registration from the same or a newer app version changes the current config, so
    // workers of two versions running side by side do not flip it back and forth.
    if (current && compareAppVersions(p.appVersion, current.app_version as string) < 0) return current.version as number;
    const version = ((current?.version as number | undefined) ?? 0) + 1;
    await tx`
      insert into function_versions (app_id, function_id, version, app_version, config)
      values (${p.appId}, ${p.functionId}, ${version}, ${p.appVersion}, ${JSON.stringify(p.config)}::jsonb)`;
    await tx`
      insert into functions (app_id, function_id, version, config, app_version)
      values (${p.appId}, ${p.functionId}, ${version}, ${JSON.stringify(p.config)}::jsonb, ${p.appVersion})
      on conflict (app_id, function_id) do update
        set version = excluded.version, config = excluded.config, app_version = excluded.app_version, updated_at = now()`;
    await tx`delete from function_triggers where app_id = ${p.appId} and function_id = ${p.functionId}`;
    if (p.eventTriggers.length > 0) {
      const rows = p.eventTriggers.map((t, i) => ({
        app_id: p.appId,
        function_id: p.functionId,
        position: i,
        event_name: t.eventName,
        expression: t.expression,
      }));
      await tx`insert into function_triggers ${tx(rows)}`;
    }
    await cronsReplace(tx, { appId: p.appId, functionId: p.functionId, schedules: p.cronSchedules ?? [] });
    await tx`
      insert into apps (id, version) values (${p.appId}, ${p.appVersion})
      on conflict (id) do update set version = excluded.version, updated_at = now()`;
    return version;
  };
  if ("savepoint" in sql) return run(sql);
  return (sql as any).begin(run);
}

export interface TriggerMatchRow {
  appId: string;
  functionId: string;
  version: number;
  eventName: string;
  expression: string;
  config: Record<string, unknown>;
}

/** Event triggers of current function versions for the given event names. */
export async function triggersForEvents(sql: Sql, names: string[]): Promise<TriggerMatchRow[]> {
  if (names.length === 0) return [];
  const rows = await sql`
    select t.app_id, t.function_id, f.version, t.event_name, t.expression, f.config
    from function_triggers t join functions f using (app_id, function_id)
    where t.event_name = any(${names}::text[])
    order by t.app_id, t.function_id, t.position`;
  return rows.map((r) => ({
    appId: r.app_id,
    functionId: r.function_id,
    version: r.version,
    eventName: r.event_name,
    expression: r.expression,
    config: r.config,
  }));
}
