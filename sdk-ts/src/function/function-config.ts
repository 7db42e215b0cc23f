import { create } from "@bufbuild/protobuf";
import { CancelOnSchema, ConcurrencyLimitSchema, FunctionConfigSchema, TimeoutsSchema, TriggerSchema, type FunctionConfig, type Trigger } from "@tenax/proto";
import { TenaxError } from "../errors/tenax-error.js";
import { parseDuration, type Duration } from "../time/duration.js";
import { toCheckpointing } from "./checkpointing.js";
import type { CancelOnOption, ConcurrencyOption, FunctionDefaults, FunctionOptions, TriggerOptions } from "./types.js";

const MAX_TRIGGERS = 10;
const MAX_RETRIES = 20;

/**
 * Builds the proto FunctionConfig, throwing `invalid_config` for what is
 * obviously wrong. The server validates again (expressions, cron, limits);
 * this only gives early feedback. `defaults` (the client's) fill in options
 * left undefined: `checkpointing` only.
 */
export function toFunctionConfig(options: FunctionOptions<any>, trigger: TriggerOptions | TriggerOptions[], defaults: FunctionDefaults = {}): FunctionConfig {
  if (typeof options?.id !== "string" || options.id.trim() === "") {
    throw new TenaxError("invalid_config", "createFunction(): `id` must be a non-empty string");
  }
  const fail = (field: string, problem: string) => new TenaxError("invalid_config", `function "${options.id}": ${field} ${problem}`);
  const ms = (field: string, value: Duration | undefined): bigint => {
    if (value === undefined) return 0n;
    try {
      return BigInt(parseDuration(value));
    } catch (err) {
      throw fail(field, `is not a valid duration (${JSON.stringify(value)})`);
    }
  };

  const triggers = (Array.isArray(trigger) ? trigger : [trigger]).filter((t) => t !== undefined);
  if (triggers.length === 0) throw fail("triggers", "must have at least one trigger");
  if (triggers.length > MAX_TRIGGERS) throw fail("triggers", `must have at most ${MAX_TRIGGERS} triggers, got ${triggers.length}`);

  if (options.retries !== undefined && (!Number.isInteger(options.retries) || options.retries < 0 || options.retries > MAX_RETRIES)) {
    throw fail("retries", `must be an integer 0..${MAX_RETRIES}, got ${String(options.retries)}`);
  }
  if (options.onFailure !== undefined && typeof options.onFailure !== "function") {
    throw fail("onFailure", "must be a function");
  }

  const checkpointing = toCheckpointing(options.checkpointing !== undefined ? options.checkpointing : defaults.checkpointing, fail);
  return create(FunctionConfigSchema, {
    id: options.id,
    name: options.name ?? options.id,
    triggers: triggers.map((t, i) => toTrigger(t, `triggers[${i}]`, fail)),
    retries: options.retries,
    concurrency: toList(options.concurrency).map((c, i) => toConcurrency(c, `concurrency[${i}]`, fail)),
    idempotency: options.idempotency ?? "",
    cancelOn: toList(options.cancelOn).map((c, i) => toCancelOn(c, `cancelOn[${i}]`, fail, ms)),
    timeouts: options.timeouts
      ? create(TimeoutsSchema, {
          startMs: ms("timeouts.start", options.timeouts.start),
          // `finish` is the name; `run` (the seed's spelling) is accepted as an alias.
          runMs: ms(options.timeouts.finish !== undefined ? "timeouts.finish" : "timeouts.run", options.timeouts.finish ?? options.timeouts.run),
        })
      : undefined,
    checkpointing,
    hasOnFailure: options.onFailure !== undefined,
  });
}

type Fail = (field: string, problem: string) => TenaxError;

function toList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function toTrigger(t: TriggerOptions, field: string, fail: Fail): Trigger {
  const hasEvent = typeof t === "object" && t !== null && "event" in t;
  const hasCron = typeof t === "object" && t !== null && "cron" in t;
  if (hasEvent === hasCron) throw fail(field, "must have exactly one of `event` or `cron`");
  if (hasEvent) {
    if (typeof t.event !== "string" || t.event === "") throw fail(`${field}.event`, "must be a non-empty event name");
    return create(TriggerSchema, { kind: { case: "event", value: { event: t.event, expression: t.if ?? "" } } });
  }
  const cron = (t as { cron: unknown }).cron;
  if (typeof cron !== "string" || cron.trim() === "") throw fail(`${field}.cron`, "must be a non-empty cron expression");
  return create(TriggerSchema, { kind: { case: "cron", value: { cron } } });
}

function toConcurrency(c: ConcurrencyOption, field: string, fail: Fail) {
  const limit = typeof c === "number" ? c : c?.limit;
  if (!Number.isInteger(limit) || limit < 1) throw fail(`${field}.limit`, `must be a positive integer, got ${String(limit)}`);
  return create(ConcurrencyLimitSchema, { limit, key: typeof c === "number" ? "" : (c.key ?? "") });
}

function toCancelOn(c: CancelOnOption, field: string, fail: Fail, ms: (field: string, value: Duration | undefined) => bigint) {
  if (typeof c?.event !== "string" || c.event === "") throw fail(`${field}.event`, "must be a non-empty event name");
  return create(CancelOnSchema, {
    event: c.event,
    expression: c.if ?? "",
    match: c.match ?? "",
    timeoutMs: ms(`${field}.timeout`, c.timeout),
  });
}
