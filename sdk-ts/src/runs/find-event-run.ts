import { TenaxError } from "../errors/tenax-error.js";
import { listRunPages } from "./list-runs.js";
import type { Run } from "./run.js";
import type { RunApiContext } from "./run-api.js";

/** A run named by the event that started it; `functionId` (and `appId`) pick one when it started several. */
export interface EventRunTarget {
  eventId: string;
  functionId?: string;
  appId?: string;
}

/**
 * The one run an event started (of `functionId`, of `appId`, when given). An event starts at
 * most one run per function, so several runs mean several functions: a TenaxError
 * "invalid_function_id" names them. None: "run_not_found", naming the functions it did start.
 */
export async function findEventRun(ctx: RunApiContext, target: EventRunTarget, signal?: AbortSignal): Promise<Run> {
  const { eventId, functionId, appId } = target;
  if (typeof eventId !== "string" || eventId === "") throw new TenaxError("invalid_argument", "runs.result(): `eventId` must be a non-empty string");
  const runs = await collect(ctx, { eventId, ...(functionId ? { functionId } : {}), ...(appId ? { appId } : {}) }, signal);
  const event = `event ${JSON.stringify(eventId)}`;
  if (runs.length === 1) return runs[0]!;
  if (runs.length > 1) {
    const names = runs.map((r) => `${r.appId}/${r.functionId}`).join(", ");
    const pick = functionId ? "pass `appId` too" : "pass `functionId` (or a function) to pick one";
    throw new TenaxError("invalid_function_id", `${event} started ${runs.length} runs (${names}): ${pick}`);
  }
  if (!functionId && !appId) {
    throw new TenaxError("run_not_found", `${event} started no run: no function's trigger matched it, or no event has this id`);
  }
  const others = await collect(ctx, { eventId }, signal);
  const which = `no run of ${appId ? `${appId}/` : ""}${functionId ?? "any function"}`;
  const started = others.length === 0 ? "it started none" : `it started ${others.map((r) => `${r.appId}/${r.functionId}`).join(", ")}`;
  throw new TenaxError("run_not_found", `${event} started ${which}: ${started}`);
}

async function collect(ctx: RunApiContext, filter: { eventId: string; functionId?: string; appId?: string }, signal: AbortSignal | undefined): Promise<Run[]> {
  const runs: Run[] = [];
  for await (const page of listRunPages(ctx, { ...filter, pageSize: 500, ...(signal ? { signal } : {}) })) runs.push(...page.runs);
  return runs;
}
