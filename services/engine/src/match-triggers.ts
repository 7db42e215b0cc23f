import { matchesExpression, toEventJson } from "@tenax/match";
import type { EventRow, TriggerMatchRow } from "@tenax/state";
import { functionVersionKey, readFunctionConfig } from "./function-config.js";
import type { StartCandidate } from "./start-runs.js";

/**
 * Decides which runs a set of stored events starts: one run per (event, function) whose
 * event trigger matches by name and `if` filter. A function with two triggers matching the
 * same event still gets one run.
 */
export function matchTriggers(events: EventRow[], triggers: TriggerMatchRow[]): StartCandidate[] {
  const byName = new Map<string, TriggerMatchRow[]>();
  for (const t of triggers) {
    const list = byName.get(t.eventName) ?? [];
    list.push(t);
    byName.set(t.eventName, list);
  }
  const starts: StartCandidate[] = [];
  for (const e of events) {
    const started = new Set<string>();
    const ctx = { event: toEventJson(e) };
    for (const t of byName.get(e.name) ?? []) {
      const key = `${t.appId}/${t.functionId}`;
      if (started.has(key) || !matchesExpression(t.expression, ctx)) continue;
      started.add(key);
      starts.push({
        start: { appId: t.appId, functionId: t.functionId, functionVersion: t.version, eventIds: [e.id], eventSeqs: [e.seq] },
        config: readFunctionConfig(t.config, functionVersionKey(t.appId, t.functionId, t.version)),
        event: e,
      });
    }
  }
  return starts;
}
