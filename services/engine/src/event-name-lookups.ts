import { eventKeyAt, toEventJson } from "@tenax/match";
import {
  cancelsForEvents,
  cancelsForKeys,
  matchPathsFor,
  triggersForEvents,
  waitsForEvents,
  waitsForKeys,
  type EventRow,
  type ListenerProbe,
  type OpenCancel,
  type OpenWait,
  type Sql,
  type TriggerMatchRow,
} from "@tenax/state";

/** What events of some names can touch: the triggers, open waits and cancelOn listeners. */
export interface EventNameLookups {
  triggers: TriggerMatchRow[];
  /** Waits and listeners without a key (tried against every event of their name). */
  waits: OpenWait[];
  cancels: OpenCancel[];
  /** The key paths keyed listeners of these names use. */
  paths: { eventName: string; keyPath: string }[];
}

/** The lookups by name, sent together (one round trip). Take the names' wait lock before. */
export async function lookUpEventNames(tx: Sql, names: string[]): Promise<EventNameLookups> {
  const [triggers, waits, cancels, paths] = await Promise.all([
    triggersForEvents(tx, names),
    waitsForEvents(tx, names),
    cancelsForEvents(tx, names),
    matchPathsFor(tx, names),
  ]);
  return { triggers, waits, cancels, paths };
}

/**
 * Adds the keyed listeners these events can match: each event's key at every path its name's
 * listeners use, looked up by index (one round trip, none when no listener of these names has a
 * key). The work is one probe per event and path, however many listeners wait.
 */
export async function withKeyedListeners(tx: Sql, lookups: EventNameLookups, events: EventRow[]): Promise<EventNameLookups> {
  if (lookups.paths.length === 0 || events.length === 0) return lookups;
  const pathsByName = new Map<string, string[]>();
  for (const p of lookups.paths) pathsByName.set(p.eventName, [...(pathsByName.get(p.eventName) ?? []), p.keyPath]);
  const probes = new Map<string, ListenerProbe>();
  for (const e of events) {
    const paths = pathsByName.get(e.name);
    if (!paths) continue;
    const json = toEventJson(e);
    for (const keyPath of paths) {
      const matchKey = eventKeyAt(json, keyPath);
      if (matchKey !== undefined) probes.set(`${e.name}\u0000${keyPath}\u0000${matchKey}`, { eventName: e.name, keyPath, matchKey });
    }
  }
  if (probes.size === 0) return lookups;
  const list = [...probes.values()];
  const [waits, cancels] = await Promise.all([waitsForKeys(tx, list), cancelsForKeys(tx, list)]);
  // Oldest first across both kinds, as the by-name lookups are.
  const byId = <T extends { id: number }>(a: T, b: T) => a.id - b.id;
  return { ...lookups, waits: [...lookups.waits, ...waits].sort(byId), cancels: [...lookups.cancels, ...cancels].sort(byId) };
}
