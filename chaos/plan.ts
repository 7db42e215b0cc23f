// What a run of the chaos workflow does, chosen by the driver and carried in the triggering
// event, and what it must end with. Pure: the worker's functions and the checker both import it,
// the functions to compute each step's value, the checker to compute the expected outcome from
// the event alone (never from what the run stored).
import type { Rng } from "./rng.js";

/** "send": the driver sends the awaited event once the run waits; "timeout": nobody sends it. */
export type WaitMode = "none" | "send" | "timeout";
/** "throw": a step throws NonRetriableError and the run fails; "catch": the handler catches it and runs a fallback. */
export type FailMode = "none" | "throw" | "catch";

export interface FlowPlan {
  [field: string]: string | number | boolean;
  seed: number;
  /** Unique per run: what the awaited event is matched on. */
  key: string;
  /** Steps run side by side (Promise.all of step.run); 0 for none. */
  parallel: number;
  /** How many times the "flaky" step throws before it succeeds; 0 for no such step. */
  flaky: number;
  wait: WaitMode;
  waitTimeoutMs: number;
  /** step.sleep duration; 0 for no sleep. */
  sleepMs: number;
  /** Whether the run invokes the child function. */
  invoke: boolean;
  fail: FailMode;
}

export interface ChildData {
  [field: string]: number;
  seed: number;
}

/** The two workflow functions (the same handler, checkpointing off and on) and the invoked child. */
export const flowFunctions = [
  { id: "chaos-flow", event: "chaos/flow" },
  { id: "chaos-flow-cp", event: "chaos/flow-cp" },
] as const;
export const childFunction = { id: "chaos-child", event: "chaos/child.never-sent" } as const;
export const signalEvent = "chaos/signal";
export const appId = "chaos";

/** Long enough that only a lost event makes a "send" wait time out: the run then ends with a wrong output. */
const signalledWaitMs = 60_000;

export function makePlan(rng: Rng, n: number, runTag: string): FlowPlan {
  const wait = rng.pick<WaitMode>(["none", "none", "send", "send", "timeout"]);
  return {
    seed: rng.int(1, 2 ** 30),
    key: `${runTag}-${n}`,
    parallel: rng.pick([0, 0, 2, 3]),
    flaky: rng.pick([0, 0, 1, 2]),
    wait,
    waitTimeoutMs: wait === "send" ? signalledWaitMs : rng.int(300, 2500),
    sleepMs: rng.pick([0, 0, rng.int(50, 400), rng.int(400, 1500)]),
    invoke: rng.chance(0.35),
    fail: rng.pick<FailMode>(["none", "none", "none", "none", "throw", "catch"]),
  };
}

/** The value a step returns, derived from the run's seed and the step's name (FNV-1a). */
export function stepValue(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 1_000_000;
}

/** What the awaited event carries: the wait's result the run returns. */
export const signalPayload = (plan: FlowPlan) => stepValue(plan.seed, "signal");

/** The message (before the token) of the error the "doomed" step throws. */
export const doomedMessage = (seed: number) => `doomed-${seed}`;

export const parallelName = (i: number) => `par-${i}`;

export type Expected = { status: "completed"; output: unknown } | { status: "failed"; errorPrefix: string };

export function expectedChild(seed: number): { c1: number; c2: number } {
  return { c1: stepValue(seed, "c1"), c2: stepValue(seed, "c2") };
}

/** The outcome a run of the workflow must end with, from its plan alone. */
export function expectedFlow(plan: FlowPlan): Expected {
  if (plan.fail === "throw") return { status: "failed", errorPrefix: doomedMessage(plan.seed) };
  const out: Record<string, unknown> = { first: stepValue(plan.seed, "first") };
  if (plan.parallel > 0) out.parallel = Array.from({ length: plan.parallel }, (_, i) => stepValue(plan.seed, parallelName(i)));
  if (plan.flaky > 0) out.flaky = stepValue(plan.seed, "flaky");
  if (plan.wait !== "none") out.signal = plan.wait === "send" ? signalPayload(plan) : null;
  if (plan.invoke) out.child = expectedChild(plan.seed);
  if (plan.fail === "catch") out.fallback = stepValue(plan.seed, "fallback");
  out.last = stepValue(plan.seed, "last");
  return { status: "completed", output: out };
}
