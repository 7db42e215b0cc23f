import { create } from "@bufbuild/protobuf";
import { CheckpointingSchema, type Checkpointing } from "@tenax/proto";
import type { TenaxError } from "../errors/tenax-error.js";
import { parseDuration, type Duration } from "../time/duration.js";
import type { CheckpointingOptions } from "./types.js";

/**
 * What `checkpointing: true` means, and what a field left out of
 * `checkpointing: { ... }` gets. Tuned for throughput: a checkpoint carries
 * up to 10 steps or 50 ms worth of them (the reference SDK flushes after
 * every step, i.e. `bufferedSteps: 1`), and a request yields after 60 s so
 * one run doesn't hold a worker slot indefinitely.
 */
export const CHECKPOINTING_DEFAULTS = {
  bufferedSteps: 10,
  maxIntervalMs: 50,
  maxRuntimeMs: 60_000,
} as const;

/** Upper bound of `bufferedSteps` (a run has at most 1 000 steps anyway). */
export const MAX_BUFFERED_STEPS = 1000;

/** Builds an error naming the offending field, e.g. `checkpointing.maxRuntime`. */
export type CheckpointingFail = (field: string, problem: string) => TenaxError;

/**
 * The proto `Checkpointing` of a checkpointing option: undefined when off
 * (`undefined` or `false`), every field resolved when on (`true` = all
 * defaults), so the registered config, and every run started with it, states
 * the settings in effect. Throws `fail(...)` for invalid values:
 * `bufferedSteps` must be an integer 1..1000, `maxInterval` a duration
 * (0 = flush by count only), `maxRuntime` a positive duration.
 */
export function toCheckpointing(option: boolean | CheckpointingOptions | undefined, fail: CheckpointingFail): Checkpointing | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== "object" || option === null || Array.isArray(option))) {
    throw fail("checkpointing", `must be true, false or { bufferedSteps?, maxInterval?, maxRuntime? }, got ${JSON.stringify(option)}`);
  }
  const opts: CheckpointingOptions = option === true ? {} : option;
  const bufferedSteps = opts.bufferedSteps ?? CHECKPOINTING_DEFAULTS.bufferedSteps;
  if (!Number.isInteger(bufferedSteps) || bufferedSteps < 1 || bufferedSteps > MAX_BUFFERED_STEPS) {
    throw fail("checkpointing.bufferedSteps", `must be an integer 1..${MAX_BUFFERED_STEPS}, got ${String(opts.bufferedSteps)}`);
  }
  const ms = (field: string, value: Duration | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    try {
      return parseDuration(value);
    } catch {
      throw fail(field, `is not a valid duration (${JSON.stringify(value)})`);
    }
  };
  const maxIntervalMs = ms("checkpointing.maxInterval", opts.maxInterval, CHECKPOINTING_DEFAULTS.maxIntervalMs);
  const maxRuntimeMs = ms("checkpointing.maxRuntime", opts.maxRuntime, CHECKPOINTING_DEFAULTS.maxRuntimeMs);
  if (maxRuntimeMs <= 0) throw fail("checkpointing.maxRuntime", "must be a positive duration");
  return create(CheckpointingSchema, {
    enabled: true,
    bufferedSteps,
    maxIntervalMs: BigInt(maxIntervalMs),
    maxRuntimeMs: BigInt(maxRuntimeMs),
  });
}
