import { channels } from "../notify.js";
import type { Sql } from "../types.js";

/** Extends a held lease; returns the new expiry, or null when the lease is lost. */
export async function leaseExtend(sql: Sql, p: { runId: string; leaseId: string; leaseMs: number }): Promise<number | null> {
  const [row] = await sql`
    update queue set lease_expires_at = now() + ${p.leaseMs} * interval '1 millisecond'
    where run_id = ${p.runId} and lease_id = ${p.leaseId} and lease_expires_at > now()
    returning lease_expires_at`;
  return row ? new Date(row.lease_expires_at).getTime() : null;
}

/**
 * Hands leased items back at once (their worker went away). The lease id stays, with no
 * expiry, so a late result under it is still fenced off while the item is claimable again.
 */
export async function leaseRelease(sql: Sql, leaseIds: string[]): Promise<number> {
  if (leaseIds.length === 0) return 0;
  const rows = await sql`
    with q as (
      update queue set lease_expires_at = null, lease_owner = null
      where lease_id = any(${leaseIds}::uuid[])
      returning app_id || '/' || function_id as k
    )
    select k, pg_notify(${channels.queue}, k) from (select distinct k from q) d`;
  return rows.length;
}

/** Releases every lease an executor instance holds (on its graceful shutdown). */
export async function leaseReleaseOwner(sql: Sql, owner: string): Promise<void> {
  await sql`
    with q as (
      update queue set lease_expires_at = null, lease_owner = null
      where lease_owner = ${owner}
      returning app_id || '/' || function_id as k
    )
    select pg_notify(${channels.queue}, k) from (select distinct k from q) d`;
}
