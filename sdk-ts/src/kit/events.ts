import { randomUUID } from "node:crypto";
import type { Event } from "@tenax/proto";
import { matchesExpression, toEventJson, waitMatches } from "@tenax/match";
import { encodeJson } from "../json/codec.js";
import { finish, resolveStep, startRun } from "./runs.js";
import { cancelledError, ENDED, type Kit, type OpenWait, type RunState } from "./state.js";
import type { TestEvent } from "./test-engine.js";

// Events: ingest's role. Trigger `if`, wait matching and cancelOn use @tenax/match, the code the
// services decide with.

/** Stores events and routes them: triggers, waits, cancels (appendEvents' order). */
export function ingest(k: Kit, list: Event[]): { ids: string[]; started: RunState[] } {
  const ids: string[] = [];
  const stored: TestEvent[] = [];
  for (const e of list) {
    const seen = e.id ? k.eventIds.get(e.id) : undefined;
    if (seen) {
      ids.push(seen);
      continue;
    }
    const ev = storeEvent(k, e);
    stored.push(ev);
    ids.push(ev.id);
  }
  const started: RunState[] = [];
  for (const ev of stored) {
    const ctx = { event: toEventJson(ev) };
    for (const fn of k.functions.values()) {
      const hit = fn.config.triggers.some((t) => t.kind.case === "event" && t.kind.value.event === ev.name && matchesExpression(t.kind.value.expression, ctx));
      if (hit) started.push(startRun(k, fn, ev, {}));
    }
    for (const w of [...k.waits]) {
      if (w.eventName !== ev.name || ev.seq <= w.minSeq || !waitMatches(w, toEventJson(ev))) continue;
      const run = k.runsById.get(w.runId)!;
      consumeWait(k, w);
      resolveStep(k, run, w.stepId, { data: encodeJson(toEventJson(ev)) });
    }
    for (const c of [...k.cancels]) {
      if (c.eventName !== ev.name || ev.seq <= c.minSeq || k.time.now() > c.expiresAt || !waitMatches(c, toEventJson(ev))) continue;
      const run = k.runsById.get(c.runId)!;
      if (!ENDED.has(run.status)) finish(k, run, "cancelled", undefined, cancelledError());
    }
  }
  return { ids, started };
}

export function consumeWait(k: Kit, w: OpenWait): void {
  const i = k.waits.indexOf(w);
  if (i >= 0) k.waits.splice(i, 1);
  w.cancelTimer();
}

/** Stores an event that starts no trigger (an invoke's internal event, `t.run`'s event). */
export function appendDirect(k: Kit, e: Event): TestEvent {
  const seen = e.id ? k.events.find((x) => x.id === e.id) : undefined;
  return seen ?? storeEvent(k, e);
}

export function storeEvent(k: Kit, e: Event): TestEvent {
  const id = e.id || randomUUID();
  const user = (e.user as Record<string, unknown> | undefined) ?? null;
  const ts = e.ts > 0n ? Number(e.ts) : k.time.now();
  const ev: TestEvent = { ...toEventJson({ id, name: e.name, data: (e.data ?? {}) as Record<string, unknown>, user, ts, v: e.v }), seq: ++k.seq };
  k.eventIds.set(id, id);
  k.events.push(ev);
  return ev;
}
