import { matchesExpression } from "./expressions.js";

/** An event as functions and expressions see it (also what a resolved waitForEvent returns). */
export interface EventJson {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown>;
  ts: number;
  v: string;
}

export function toEventJson(e: {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user: Record<string, unknown> | null;
  ts: number;
  v: string;
}): EventJson {
  return { id: e.id, name: e.name, data: e.data, user: e.user ?? {}, ts: e.ts, v: e.v };
}

/**
 * Whether a candidate event satisfies a wait (or a cancelOn rule): `match: "data.orderId"` means
 * the field is present and equal on the run's event and the candidate; `expression` is CEL over
 * `event` (the run's event) and `async` (the candidate). An evaluation error means no match.
 */
export function waitMatches(w: { match: string; expression: string; triggerEvent: Record<string, unknown> | null }, candidate: EventJson): boolean {
  const trigger = w.triggerEvent ?? {};
  if (w.match) {
    const a = getPath(trigger, w.match);
    const b = getPath(candidate as unknown as Record<string, unknown>, w.match);
    if (a === undefined || b === undefined || JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return matchesExpression(w.expression, { event: trigger, async: candidate });
}

/** The value at a dotted path (`data.x`, also `event.data.x` / `async.data.x`), or undefined. */
export function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.replace(/^(event|async)\./, "").split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
