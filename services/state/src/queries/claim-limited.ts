import { transaction } from "../db.js";
import type { Sql } from "../types.js";
import { toClaimedItems, type ClaimedItem } from "./claim.js";

export interface LimitedClaimParams {
  owner: string;
  leaseMs: number;
  appId: string;
  functionId: string;
  /** The function's concurrency limits; entry i applies per value of the run's concurrency_keys[i]. */
  limits: number[];
  max: number;
}

/**
 * Claims work of a function with concurrency limits, in arrival order per key (runs under way
 * first, as in queueClaim). Claimers of one
 * function are serialized by an advisory lock, so the limits hold across executors. A run counts
 * while it holds a live lease (a step executing); sleeping and waiting runs hold none.
 */
export async function queueClaimLimited(sql: Sql, p: LimitedClaimParams): Promise<ClaimedItem[]> {
  if (p.max <= 0) return [];
  return transaction(sql, async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${`tenax_concurrency:${p.appId}/${p.functionId}`}))`;
    const active = await tx`
      select distinct q.run_id, r.concurrency_keys from queue q join runs r on r.id = q.run_id
      where q.app_id = ${p.appId} and q.function_id = ${p.functionId} and q.lease_expires_at > now()`;
    const counts = p.limits.map(() => new Map<string, number>());
    const activeRuns = new Set<string>();
    const countRun = (keys: string[]) => p.limits.forEach((_, i) => counts[i]!.set(keys[i] ?? "", (counts[i]!.get(keys[i] ?? "") ?? 0) + 1));
    for (const a of active) {
      activeRuns.add(a.run_id as string);
      countRun(a.concurrency_keys as string[]);
    }
    // Keys already at their limit are left out in the query, not after it: a hot key's backlog
    // must not fill the candidate window and starve every other key behind it. Items of runs
    // already under way (parallel steps) need no slot and stay in.
    const full = p.limits.map((limit, i) => [...counts[i]!].filter(([, n]) => n >= limit).map(([key]) => key));
    const fullPairs = full.flatMap((keys, i) => keys.map((key) => ({ i: i + 1, key })));
    const candidates = await tx`
      select q.id, q.run_id, r.concurrency_keys from queue q join runs r on r.id = q.run_id
      where q.app_id = ${p.appId} and q.function_id = ${p.functionId} and q.available_at <= now()
        and (q.lease_expires_at is null or q.lease_expires_at < now())
        and (q.run_id = any(${[...activeRuns]}::uuid[]) or not exists (
          select 1 from unnest(${fullPairs.map((f) => f.i)}::int[], ${fullPairs.map((f) => f.key)}::text[]) as f(i, key)
          where coalesce(r.concurrency_keys[f.i], '') = f.key))
      order by q.fresh, q.id
      limit 1000
      for update of q skip locked`;
    const take: number[] = [];
    for (const c of candidates) {
      if (take.length >= p.max) break;
      const keys = c.concurrency_keys as string[];
      const runId = c.run_id as string;
      // Another item of an already running run (a parallel step) needs no extra slot.
      if (!activeRuns.has(runId)) {
        if (p.limits.some((limit, i) => (counts[i]!.get(keys[i] ?? "") ?? 0) >= limit)) continue;
        activeRuns.add(runId);
        countRun(keys);
      }
      take.push(Number(c.id));
    }
    if (take.length === 0) return [];
    const rows = await tx`
      update queue set lease_id = gen_random_uuid(), lease_owner = ${p.owner},
        lease_expires_at = now() + ${p.leaseMs} * interval '1 millisecond', started_at = coalesce(started_at, now())
      where id = any(${take}::bigint[])
      returning id, run_id, app_id, function_id, attempt, target_step_id, lease_id, lease_expires_at`;
    return toClaimedItems(rows);
  });
}
