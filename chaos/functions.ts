// The functions the chaos workers serve. One workflow handler mixes every step kind, chosen per
// run by its plan (see plan.ts); it is registered twice, checkpointing off and on, to cover both
// ways results are stored. Every step body appends to the ledger and returns its token, so the
// checker can tell which execution's result was stored.
import { setTimeout as delay } from "node:timers/promises";
import { NonRetriableError, type Handler, type Tenax, type TenaxFunction } from "@tenax/sdk";
import type { LedgerWriter } from "./ledger.js";
import { childFunction, doomedMessage, flowFunctions, parallelName, signalEvent, stepValue, type ChildData, type FlowPlan } from "./plan.js";

/** A step's stored output: its value and the ledger token of the body execution that produced it. */
export interface Ledgered {
  v: number;
  token: string;
}

/** Per step, at most this long of simulated work: widens the window in which a kill lands mid-step. */
const maxWorkMs = 120;
/** Retries per step: above any plan's `flaky` count, with room for attempts lost to faults. */
const retries = 8;

// TenaxFunction<any, any>: what the SDK's ConnectOptions takes (functions of any event data).
export function chaosFunctions(tenax: Tenax, ledger: LedgerWriter): TenaxFunction<any, any>[] {
  /** A step body: some work, then a ledger entry, then the value with the entry's token. */
  const body = async (runId: string, step: string, attempt: number, v: number): Promise<Ledgered> => {
    await delay(Math.floor(Math.random() * maxWorkMs));
    return { v, token: ledger.append({ r: runId, s: step, k: "ok", a: attempt }) };
  };
  const thrown = (runId: string, step: string, attempt: number) => ledger.append({ r: runId, s: step, k: "throw", a: attempt });

  const child = tenax.createFunction<ChildData>({ id: childFunction.id, retries }, { event: childFunction.event }, async ({ event, step, runId, attempt }) => {
    const { seed } = event.data;
    const c1 = await step.run("c1", () => body(runId, "c1", attempt, stepValue(seed, "c1")));
    if (seed % 2 === 0) await step.sleep("c-nap", 150);
    const c2 = await step.run("c2", () => body(runId, "c2", attempt, stepValue(seed, "c2")));
    return { c1: c1.v, c2: c2.v };
  });

  const flow: Handler<FlowPlan> = async ({ event, step, runId, attempt }) => {
    const plan = event.data;
    const run = (name: string) => step.run(name, () => body(runId, name, attempt, stepValue(plan.seed, name)));
    const out: Record<string, unknown> = { first: (await run("first")).v };
    if (plan.parallel > 0) {
      const parts = await Promise.all(Array.from({ length: plan.parallel }, (_, i) => run(parallelName(i))));
      out.parallel = parts.map((p) => p.v);
    }
    if (plan.flaky > 0) {
      const flaky = await step.run("flaky", () => {
        if (attempt < plan.flaky) {
          thrown(runId, "flaky", attempt);
          throw new Error(`flaky: attempt ${attempt} of ${plan.flaky} failing ones`);
        }
        return body(runId, "flaky", attempt, stepValue(plan.seed, "flaky"));
      });
      out.flaky = flaky.v;
    }
    // Before any sleep or invoke: the driver sends the awaited event once it sees the run WAITING,
    // and an invoke makes a run WAITING too.
    if (plan.wait !== "none") {
      const signal = await step.waitForEvent("await-signal", { event: signalEvent, match: "data.key", timeout: plan.waitTimeoutMs });
      out.signal = signal ? (signal.data as { payload: number }).payload : null;
    }
    if (plan.sleepMs > 0) await step.sleep("nap", plan.sleepMs);
    if (plan.invoke) out.child = await step.invoke("call-child", { function: child, data: { seed: plan.seed } });
    if (plan.fail !== "none") {
      // The token is in the stored error, so the re-run check covers failed steps as well.
      const doomed = step.run("doomed", () => {
        throw new NonRetriableError(`${doomedMessage(plan.seed)} token=${thrown(runId, "doomed", attempt)}`);
      });
      if (plan.fail === "throw") await doomed;
      else
        out.fallback = await doomed.then(
          () => "unreachable",
          async () => (await run("fallback")).v,
        );
    }
    out.last = (await run("last")).v;
    return out;
  };

  const [plain, checkpointed] = flowFunctions;
  return [
    child,
    tenax.createFunction<FlowPlan>({ id: plain.id, retries }, { event: plain.event }, flow),
    tenax.createFunction<FlowPlan>({ id: checkpointed.id, retries, checkpointing: true }, { event: checkpointed.event }, flow),
  ];
}
