import type { JsonObject } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("wait_for_event", { TENAX_UNKEYED_WAITS_PER_EVENT: "2" });
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

async function startRun(name: string, data: JsonObject) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name, data }] });
  return (await stack.runs.listRuns({ eventId: ids[0]! })).runs[0]!.id;
}

/** Resolves once the run is parked in its wait (WatchRun reports WAITING). */
async function waiting(runId: string) {
  for await (const msg of stack.runs.watchRun({ runId }, { signal: AbortSignal.timeout(20_000) })) {
    if (msg.run?.status === RunStatus.WAITING) return;
  }
  throw new Error("run never waited");
}

describe("step.waitForEvent", () => {
  it("resumes with the event whose field matches (match)", async () => {
    const runId = await startRun("shop/order.created", { orderId: "o-1" });
    await waiting(runId);
    await stack.ingest.sendEvents({
      events: [
        { name: "shop/order.paid", data: { orderId: "o-2", amount: 1 } },
        { name: "shop/order.paid", data: { orderId: "o-1", amount: 42 } },
      ],
    });
    const run = await stack.waitForRun(runId);
    expect(json(run.output)).toEqual({ orderId: "o-1", paid: 42 });
  });

  it("resumes with the first event satisfying the if expression; a missing field is no match", async () => {
    const runId = await startRun("shop/cart.created", { cartId: "c-1" });
    await waiting(runId);
    await stack.ingest.sendEvents({
      events: [
        { name: "shop/cart.checkout", data: { cartId: "c-1" } },
        { name: "shop/cart.checkout", data: { cartId: "c-1", total: 5 } },
        { name: "shop/cart.checkout", data: { cartId: "c-1", total: 99 } },
      ],
    });
    expect(json((await stack.waitForRun(runId)).output)).toEqual({ total: 99 });
  });

  it("returns null when the timeout passes", async () => {
    const runId = await startRun("shop/quote.requested", { quoteId: "q-1" });
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    expect(json(run.output)).toEqual({ reply: null });
  });

  it("does not miss an event sent in the same tick the wait is reached", async () => {
    const runIds = await Promise.all(Array.from({ length: 10 }, (_, i) => startRun("race/start", { key: `k-${i}` })));
    const runs = await Promise.all(runIds.map((id) => stack.waitForRun(id)));
    for (const run of runs) expect(json(run.output)).toEqual({ got: true });
  });

  it("consumes a wait exactly once when two matching events arrive together", async () => {
    const runId = await startRun("shop/order.created", { orderId: "o-9" });
    await waiting(runId);
    await Promise.all([
      stack.ingest.sendEvents({ events: [{ name: "shop/order.paid", data: { orderId: "o-9", amount: 1 } }] }),
      stack.ingest.sendEvents({ events: [{ name: "shop/order.paid", data: { orderId: "o-9", amount: 2 } }] }),
    ]);
    const run = await stack.waitForRun(runId);
    expect([1, 2]).toContain(json(run.output).paid);
    const { steps } = await stack.runs.getRun({ runId });
    expect(steps.filter((s) => s.userId === "wait-for-payment")).toHaveLength(1);
  });

  it("fails the run with an error quoting an expression that does not compile", async () => {
    const runId = await startRun("shop/bad.wait", {});
    const run = await stack.waitForRun(runId);
    expect(run.status).toBe(RunStatus.FAILED);
    expect(run.error!.message).toMatch(/\[invalid_expression\].*"async\.data\.\("/);
  });

  it("limits the waits of one event name whose if has no key: one more fails its step too_many_waits", async () => {
    const first = await startRun("shop/auction.opened", { min: 10 });
    const second = await startRun("shop/auction.opened", { min: 20 });
    await Promise.all([waiting(first), waiting(second)]);
    const third = await stack.waitForRun(await startRun("shop/auction.opened", { min: 30 }));
    expect(json(third.output)).toMatchObject({ reason: "too_many_waits" });
    expect(json(third.output).message).toMatch(/"shop\/bid.placed" already has 2 open waits whose `if` has no key/);
    // The two waiting runs are evaluated against every bid, as before.
    await stack.ingest.sendEvents({ events: [{ name: "shop/bid.placed", data: { amount: 25 } }] });
    expect(json((await stack.waitForRun(first)).output)).toEqual({ bid: 25 });
    expect(json((await stack.waitForRun(second)).output)).toEqual({ bid: 25 });
  });
});
