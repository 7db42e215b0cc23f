import { TenaxError } from "../errors/tenax-error.js";
import type { RunApiContext } from "./run-api.js";

/**
 * Run and event ids are both UUIDs, so an event id passed as a run id is an easy mistake (and a
 * producer's own event id is no UUID at all). On a "run_not_found" or "invalid_run_id" error,
 * looks the id up as an event id and, when it is one, says which runs it started and how to name
 * them; any other error is returned as is.
 */
export async function withNotFoundHint(ctx: RunApiContext, err: unknown, id: string): Promise<unknown> {
  if (!(err instanceof TenaxError) || (err.code !== "run_not_found" && err.code !== "invalid_run_id")) return err;
  let started: string[];
  try {
    const { runs } = await ctx.api.listRuns({ eventId: id, pageSize: 20 }, ctx.call());
    started = runs.map((r) => `${r.id} (${r.appId}/${r.functionId})`);
  } catch {
    return err; // the hint is a courtesy; the original error stands
  }
  if (started.length === 0) return err;
  const hint = `${id} is an event id, not a run id: it started ${started.join(", ")}; pass { eventId } to runs.result(), or list({ eventId })`;
  return new TenaxError(err.code, `${err.message} (${hint})`, { cause: err.cause });
}
