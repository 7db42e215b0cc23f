import { reasonSlug } from "@tenax/proto";
import { StepError } from "../errors/step-error.js";
import { deserializeError } from "../errors/serialize.js";
import { TenaxError } from "../errors/tenax-error.js";
import { decodeJson } from "../json/codec.js";
import type { MemoEntryInput } from "./memo.js";

/** What a step call settles with for a memo entry: its decoded output, or the error it rejects with. */
export type MemoOutcome = { ok: true; value: unknown } | { ok: false; error: Error };

/** Maps a memoized output (JSON-parsed) to what the step tool returns; must not throw. */
export type MemoDecode = ((value: unknown) => unknown) | undefined;

/** Decodes a memo entry for the step call with this user id. */
export function readMemo(entry: MemoEntryInput, userId: string, decode: MemoDecode): MemoOutcome {
  if (entry.error) {
    const info = entry.error;
    const error = new StepError(info.message || `step "${userId}" failed`, {
      stepId: userId,
      cause: deserializeError(info),
      stack: info.stack,
      reason: info.reason ? reasonSlug(info.reason) : undefined,
    });
    return { ok: false, error };
  }
  let value: unknown;
  try {
    value = decodeJson(entry.data ?? new Uint8Array());
  } catch (err) {
    return { ok: false, error: new TenaxError("invalid_memo", `step "${userId}": memoized output is not valid JSON`, { cause: err }) };
  }
  return { ok: true, value: decode ? decode(value) : value };
}

/** A step call's promise, settled later by the engine (in memo order, or when its step is resumed in place). */
export function pendingStep(): { promise: Promise<unknown>; settle(outcome: MemoOutcome): void } {
  let settle!: (outcome: MemoOutcome) => void;
  const promise = new Promise<unknown>((resolve, reject) => {
    settle = (outcome) => (outcome.ok ? resolve(outcome.value) : reject(outcome.error));
  });
  // Handlers may await a step later than a macrotask after calling it; marking
  // the rejection handled keeps Node from reporting it as unhandled meanwhile.
  promise.catch(() => {});
  return { promise, settle };
}
