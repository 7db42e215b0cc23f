import { cancelsForEvents, triggersForEvents, waitsForEvents, type OpenCancel, type OpenWait, type Sql, type TriggerMatchRow } from "@tenax/state";

/** What events of some names can touch: the triggers, open waits and cancelOn listeners. */
export interface EventNameLookups {
  triggers: TriggerMatchRow[];
  waits: OpenWait[];
  cancels: OpenCancel[];
}

/** The three lookups, sent together (one round trip). Take the names' wait lock before. */
export async function lookUpEventNames(tx: Sql, names: string[]): Promise<EventNameLookups> {
  const [triggers, waits, cancels] = await Promise.all([triggersForEvents(tx, names), waitsForEvents(tx, names), cancelsForEvents(tx, names)]);
  return { triggers, waits, cancels };
}
