import { toJson } from "@bufbuild/protobuf";
import { ErrorCode, ErrorReason, FunctionConfigSchema, reasonErrorInfo, type FunctionConfig, type FunctionRegistration, type Hello } from "@tenax/proto";
import { nextCronTime, parseCron } from "@tenax/engine";
import { functionRegister, type CronSchedule, type Database } from "@tenax/state";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { FunctionRegistrationSchema } from "@tenax/proto";
import { validateFunctionConfig } from "./validate-config.js";

type Registration = MessageInitShape<typeof FunctionRegistrationSchema>;

/**
 * Registers each function of a hello on its own: an invalid one is rejected with a message
 * naming it and the field, and the others still register.
 */
export async function registerFunctions(database: Database, hello: Hello): Promise<Registration[]> {
  const out: Registration[] = [];
  for (const fn of hello.functions) {
    const problem = validateFunctionConfig(fn);
    if (problem) {
      out.push({ functionId: fn.id, ok: false, error: reasonErrorInfo(ErrorCode.INVALID_CONFIG, ErrorReason.INVALID_CONFIG, problem, "InvalidConfig") });
      continue;
    }
    const version = await functionRegister(database.sql, {
      appId: hello.appId,
      appVersion: hello.appVersion,
      functionId: fn.id,
      config: toJson(FunctionConfigSchema, fn) as Record<string, unknown>,
      eventTriggers: eventTriggers(fn),
      cronSchedules: cronSchedules(fn, new Date()),
    });
    out.push({ functionId: fn.id, ok: true, version });
  }
  return out;
}

/**
 * One schedule per cron trigger (position = trigger index), first tick after `now`. Used only
 * when the registration creates a new version: re-registering an unchanged config keeps the
 * schedule where it is, so a restarting worker neither skips nor repeats a tick.
 */
function cronSchedules(fn: FunctionConfig, now: Date): CronSchedule[] {
  return fn.triggers.flatMap((t, position) => {
    if (t.kind.case !== "cron") return [];
    const cron = t.kind.value.cron;
    return [{ position, cron, ...parseCron(cron), nextAtMs: nextCronTime(cron, now).getTime() }];
  });
}

function eventTriggers(fn: FunctionConfig) {
  return fn.triggers.flatMap((t) => (t.kind.case === "event" ? [{ eventName: t.kind.value.event, expression: t.kind.value.expression }] : []));
}

export type { FunctionRegistration };
