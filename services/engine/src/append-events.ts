import type { Logger } from "@tenax/common";
import type { Event, FunctionConfig } from "@tenax/proto";
import { eventsAppend, waitNamesLock, type EventInput, type EventRow, type Sql } from "@tenax/state";
import { lookUpEventNames, withKeyedListeners, type EventNameLookups } from "./event-name-lookups.js";
import { matchTriggers } from "./match-triggers.js";
import { resolveCancels } from "./resolve-cancels.js";
import { resolveWaits } from "./resolve-waits.js";
import { startRuns, type StartCandidate } from "./start-runs.js";
import { validateEvents } from "./validate-events.js";

/** The function an invoke or a cron tick starts directly (no trigger matching). */
export interface StartTarget {
  appId: string;
  functionId: string;
  version: number;
  config: FunctionConfig;
}

/** One caller's events: the five ways an event enters Tenax. */
export type EventEntry =
  /** SendEvents: events from producers. */
  | { kind: "send"; events: Event[]; nowMs: number }
  /** step.sendEvent: events a run sends. */
  | { kind: "step"; events: Event[]; nowMs: number }
  /** step.invoke: the child run's triggering event (`tenax/function.invoked`). */
  | { kind: "invoke"; event: EventInput; target: StartTarget }
  /** A cron tick (`tenax/scheduled.timer`). */
  | { kind: "cron"; event: EventInput; target: StartTarget }
  /** Lifecycle events (`tenax/function.*`), stored pending by the state change that caused them. */
  | { kind: "lifecycle"; stored: EventRow[] };

export type EntryOutcome =
  /** `ids`: effective id per event (a duplicate gets the id it duplicates); `stored`: newly stored. */
  | { ok: true; ids: string[]; stored: EventRow[]; startedRunId: string | null }
  /** The caller's events were refused (validation); nothing of it was stored. */
  | { ok: false; error: Error };

/**
 * What each way in does. Every stored event is deduplicated by id within 24 h (producer ids;
 * the invoke and cron ids are derived from the parent step and the tick, so a replay or a
 * second scheduler adds nothing); lifecycle events are claimed once by their pending flag.
 */
export const entryPaths = {
  //          validate as producer input, store here, start matching triggers, resolve waits, cancel runs, start the target
  send: { validate: true, store: true, triggers: true, waits: true, cancels: true, startsTarget: false },
  step: { validate: true, store: true, triggers: true, waits: true, cancels: true, startsTarget: false },
  invoke: { validate: false, store: true, triggers: false, waits: false, cancels: false, startsTarget: true },
  cron: { validate: false, store: true, triggers: false, waits: false, cancels: false, startsTarget: true },
  lifecycle: { validate: false, store: false, triggers: true, waits: true, cancels: true, startsTarget: false },
} as const satisfies Record<EventEntry["kind"], Record<string, boolean>>;

const noLookups: EventNameLookups = { triggers: [], waits: [], cancels: [], paths: [] };

/**
 * The one event path, inside the caller's transaction: store and dedupe, start the runs the
 * events trigger (or the invoke's or tick's target), resume the runs waiting for them, cancel
 * the runs they cancel. Takes the entries of several callers at once and answers each: a
 * refused entry fails its own caller, not the others.
 */
export async function appendEvents(tx: Sql, entries: EventEntry[], logger?: Logger): Promise<EntryOutcome[]> {
  const outcomes: EntryOutcome[] = [];
  const inputs: EventInput[][] = entries.map((entry, i) => {
    try {
      return inputsOf(entry);
    } catch (err) {
      outcomes[i] = { ok: false, error: err as Error };
      return [];
    }
  });
  const names = new Set<string>();
  entries.forEach((entry, i) => {
    const path = entryPaths[entry.kind];
    if (outcomes[i] || !(path.triggers || path.waits || path.cancels)) return;
    for (const e of entry.kind === "lifecycle" ? entry.stored : inputs[i]!) names.add(e.name);
  });
  const nameList = [...names];
  const toStore = inputs.flat();
  // Sent together, these run in order in one round trip. The shared lock comes first and is
  // held to commit, so a wait created meanwhile either is seen here or sees these events.
  const [, appended, byName] = await Promise.all([
    nameList.length > 0 ? waitNamesLock(tx, nameList, "shared") : undefined,
    toStore.length > 0 ? eventsAppend(tx, toStore) : { ids: [], stored: [] },
    nameList.length > 0 ? lookUpEventNames(tx, nameList) : noLookups,
  ]);

  // Each newly stored row belongs to the first input that carried its id.
  const unclaimed = new Map(appended.stored.map((r) => [r.id, r]));
  const touched = { triggers: [] as EventRow[], waits: [] as EventRow[], cancels: [] as EventRow[] };
  const targets: { index: number; candidate: StartCandidate }[] = [];
  let offset = 0;
  entries.forEach((entry, i) => {
    if (outcomes[i]) return;
    let ids: string[];
    let stored: EventRow[];
    if (entry.kind === "lifecycle") {
      stored = entry.stored;
      ids = stored.map((e) => e.id);
    } else {
      ids = appended.ids.slice(offset, offset + inputs[i]!.length);
      offset += inputs[i]!.length;
      stored = [];
      for (const input of inputs[i]!) {
        const row = unclaimed.get(input.id);
        if (row) (stored.push(row), unclaimed.delete(input.id));
      }
    }
    const path = entryPaths[entry.kind];
    if (path.triggers) touched.triggers.push(...stored);
    if (path.waits) touched.waits.push(...stored);
    if (path.cancels) touched.cancels.push(...stored);
    if ((entry.kind === "invoke" || entry.kind === "cron") && stored[0]) {
      const { target } = entry;
      const start = {
        appId: target.appId,
        functionId: target.functionId,
        functionVersion: target.version,
        eventIds: [stored[0].id],
        eventSeqs: [stored[0].seq],
      };
      targets.push({ index: i, candidate: { start, config: target.config, event: stored[0] } });
    }
    outcomes[i] = { ok: true, ids, stored, startedRunId: null };
  });

  const lookups = await withKeyedListeners(tx, byName, [...new Set([...touched.waits, ...touched.cancels])]);
  const matched = matchTriggers(touched.triggers, lookups.triggers);
  if (matched.length + targets.length > 0) {
    const runIds = await startRuns(tx, [...matched, ...targets.map((t) => t.candidate)], logger);
    targets.forEach((t, k) => ((outcomes[t.index] as { startedRunId: string | null }).startedRunId = runIds[matched.length + k] ?? null));
  }
  await resolveWaits(tx, touched.waits, lookups.waits);
  await resolveCancels(tx, touched.cancels, lookups.cancels);
  return outcomes;
}

function inputsOf(entry: EventEntry): EventInput[] {
  switch (entry.kind) {
    case "send":
    case "step":
      return validateEvents(entry.events, entry.nowMs);
    case "invoke":
    case "cron":
      return [entry.event];
    case "lifecycle":
      return [];
  }
}
