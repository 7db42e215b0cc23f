/**
 * Terminology
 * - event: something that happened; `seq` is ingest's receive order, the only order Tenax uses.
 * - function version: a function config as registered by a worker of some app version.
 * - run: one execution of a function for a triggering event; survives crashes.
 * - step (memo entry): a stored step result, unique per (run, hashed step id); `position` is the stored order.
 * - queue item: a runnable run. Claimed by an executor under a lease (lease_id + expiry); an expired
 *   lease makes the item claimable again, and a result carrying an older lease_id is fenced off.
 * - timer: a due time owned by the scheduler (sleep wake-up, retry backoff, wait timeout).
 * - wait: a parked run waiting for an event (matched by ingest) or for a child run (invoke).
 * - cron: a cron trigger's schedule; cancel: a cancelOn listener of a live run.
 */
export { events, eventIds } from "./events.js";
export { apps, functions, functionVersions, functionTriggers } from "./functions.js";
export { runs, runStatus } from "./runs.js";
export { steps } from "./steps.js";
export { queue } from "./queue.js";
export { timers } from "./timers.js";
export { waits } from "./waits.js";
export { crons } from "./crons.js";
export { cancels, idempotencyKeys, matchPaths } from "./flow.js";
export { workers } from "./workers.js";
