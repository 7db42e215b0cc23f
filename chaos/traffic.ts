// The load: workflow events sent in small batches spread over the fault window, through either
// ingest, and for runs that wait for an event, the awaited event, sent at a random moment once
// the run is seen WAITING (sent earlier, before the step ahead of the wait is stored, Tenax
// rightly does not deliver it), sometimes twice through both ingests at once (the wait must
// resume once).
import { setTimeout as delay } from "node:timers/promises";
import { RunStatus } from "@tenax/proto";
import type { Ingests } from "./clients.js";
import { flowFunctions, makePlan, signalEvent, signalPayload, type FlowPlan } from "./plan.js";
import type { Rng } from "./rng.js";

export interface Sent {
  eventId: string;
  functionId: string;
  plan: FlowPlan;
}

export interface SignalOutcome {
  eventId: string;
  /** When the run was seen WAITING and when the awaited event was acknowledged (ms), or why not. */
  waitingAt?: number;
  sentAt?: number;
  problem?: string;
}

export interface Traffic {
  /** Events whose SendEvents was acknowledged. */
  accepted: Sent[];
  /** Events never acknowledged despite the retries (the stack was unreachable for too long). */
  unacknowledged: Sent[];
  signals: SignalOutcome[];
  /** Resolves when every batch has been sent (or given up) and every awaited event sent. */
  done: Promise<void>;
}

export interface TrafficOptions {
  ingests: Ingests;
  /** For the plans and batches: drawn in a fixed order, so the seed alone decides them. */
  rng: Rng;
  /** For the awaited events (when, and whether twice): drawn as runs happen to reach their waits. */
  timingRng: Rng;
  runs: number;
  /** Spread the sends over this long. */
  durationMs: number;
  /** Unique per chaos run: event ids and wait keys. */
  tag: string;
  /** How long one send may be retried. */
  sendRetryMs: number;
  log: (msg: string) => void;
}

const batchEveryMs = 400;

export function startTraffic(o: TrafficOptions): Traffic {
  const traffic: Traffic = { accepted: [], unacknowledged: [], signals: [], done: Promise.resolve() };
  const pending: Promise<void>[] = [];

  const signal = async (sent: Sent) => {
    const outcome: SignalOutcome = { eventId: sent.eventId };
    traffic.signals.push(outcome);
    const until = Date.now() + 120_000;
    try {
      const { runs } = await o.ingests.call((i) => i.runs.listRuns({ eventId: sent.eventId, functionId: sent.functionId }), { until });
      if (runs.length === 0) return void (outcome.problem = "no run for the event");
      const run = await o.ingests.watchUntil(runs[0]!.id, (r) => r.status === RunStatus.WAITING, { until });
      if (!run || run.status !== RunStatus.WAITING) return void (outcome.problem = `run not seen waiting (status ${run ? RunStatus[run.status] : "unknown"})`);
      outcome.waitingAt = Date.now();
      await delay(o.timingRng.int(0, 800)); // random timing of the producer, not synchronization
      const event = (id: string) => ({ id, name: signalEvent, data: { key: sent.plan.key, payload: signalPayload(sent.plan) } });
      const twice = o.timingRng.chance(0.3);
      await Promise.all([
        o.ingests.send([event(`${sent.eventId}-signal`)], { until }),
        twice ? o.ingests.send([event(`${sent.eventId}-signal-2`)], { until }) : undefined,
      ]);
      outcome.sentAt = Date.now();
    } catch (err) {
      outcome.problem = `could not send the awaited event: ${String(err).slice(0, 200)}`;
    }
  };

  const sendBatch = async (batch: Sent[]) => {
    const events = batch.map((s) => ({ id: s.eventId, name: flowFunctions.find((f) => f.id === s.functionId)!.event, data: s.plan }));
    try {
      const ids = await o.ingests.send(events, { until: Date.now() + o.sendRetryMs });
      batch.forEach((s, i) => {
        if (ids[i] !== s.eventId) o.log(`ingest returned id ${ids[i]} for event ${s.eventId}`);
      });
      traffic.accepted.push(...batch);
      for (const s of batch) if (s.plan.wait === "send") pending.push(signal(s));
    } catch (err) {
      o.log(`a batch of ${batch.length} events was never acknowledged: ${String(err).slice(0, 200)}`);
      traffic.unacknowledged.push(...batch);
    }
  };

  const run = async () => {
    const ticks = Math.max(1, Math.floor(o.durationMs / batchEveryMs));
    const start = Date.now();
    let n = 0;
    for (let tick = 0; tick < ticks && n < o.runs; tick++) {
      // Even spread with a random batch size around the mean.
      const due = Math.round(((tick + 1) * o.runs) / ticks) - n;
      const size = Math.max(0, Math.min(o.runs - n, due + o.rng.int(-1, 1)));
      const batch: Sent[] = [];
      for (let i = 0; i < size; i++, n++) {
        const f = o.rng.pick(flowFunctions);
        batch.push({ eventId: `${o.tag}-${n}`, functionId: f.id, plan: makePlan(o.rng, n, o.tag) });
      }
      if (batch.length > 0) pending.push(sendBatch(batch));
      const nextAt = start + (tick + 1) * batchEveryMs;
      if (nextAt > Date.now()) await delay(nextAt - Date.now()); // pacing of the load, not synchronization
    }
    if (n < o.runs) {
      const rest: Sent[] = [];
      for (; n < o.runs; n++) {
        const f = o.rng.pick(flowFunctions);
        rest.push({ eventId: `${o.tag}-${n}`, functionId: f.id, plan: makePlan(o.rng, n, o.tag) });
      }
      pending.push(sendBatch(rest));
    }
    // Signals are pushed while batches settle: wait until no new work appears.
    for (let seen = -1; seen !== pending.length;) {
      seen = pending.length;
      await Promise.all(pending);
    }
  };
  traffic.done = run();
  return traffic;
}
