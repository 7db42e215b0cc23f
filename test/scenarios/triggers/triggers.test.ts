import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import type { Proc } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
let worker: Proc;
beforeAll(async () => {
  stack = await startStack("triggers");
  worker = await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href);
});
afterAll(() => stack?.stop());

const runsOf = async (eventId: string) => (await stack.runs.listRuns({ eventId })).runs;

describe("triggers", () => {
  it("an if filter: a purchase over 100 triggers, others do not", async () => {
    const { ids } = await stack.ingest.sendEvents({
      events: [
        { name: "user/action", data: { action: "purchase", amount: 150 } },
        { name: "user/action", data: { action: "purchase", amount: 100 } },
        { name: "user/action", data: { action: "refund", amount: 500 } },
        { name: "user/action", data: { action: "purchase" } },
      ],
    });
    const run = await stack.runForEvent(ids[0]!);
    expect(json(run.output)).toEqual({ amount: 150 });
    for (const id of ids.slice(1)) expect(await runsOf(id)).toHaveLength(0);
  });

  it("multiple triggers, each with its own filter", async () => {
    const { ids } = await stack.ingest.sendEvents({
      events: [
        { name: "user/signup", data: {} },
        { name: "user/login", data: { firstLogin: true } },
        { name: "user/login", data: { firstLogin: false } },
      ],
    });
    expect(json((await stack.runForEvent(ids[0]!)).output)).toEqual({ via: "user/signup" });
    expect(json((await stack.runForEvent(ids[1]!)).output)).toEqual({ via: "user/login" });
    expect(await runsOf(ids[2]!)).toHaveLength(0);
  });

  it("a filter that does not compile is rejected at registration, naming function, trigger and expression", async () => {
    const line = await worker.waitFor((l) => JSON.stringify(l).includes("broken-filter") && JSON.stringify(l).includes("invalid_expression"));
    expect(JSON.stringify(line)).toContain("event.data.(");
    expect(JSON.stringify(line)).toContain("triggers[0]");
  });

  it("event id dedupe: 20 concurrent sends of one id start one run", async () => {
    const id = `dup-${Date.now()}`;
    const results = await Promise.all(Array.from({ length: 20 }, () => stack.ingest.sendEvents({ events: [{ id, name: "user/signup", data: {} }] })));
    expect(new Set(results.map((r) => r.ids[0]))).toEqual(new Set([id]));
    expect(await runsOf(id)).toHaveLength(1);
  });

  it("idempotency key: 20 concurrent sends with one key start one run; another key starts another", async () => {
    const cartId = `cart-${Date.now()}`;
    await Promise.all(Array.from({ length: 20 }, () => stack.ingest.sendEvents({ events: [{ name: "cart/checkout.completed", data: { cartId } }] })));
    const other = await stack.ingest.sendEvents({ events: [{ name: "cart/checkout.completed", data: { cartId: `${cartId}-b` } }] });
    const runs = (await stack.runs.listRuns({ functionId: "send-checkout-email", pageSize: 100 })).runs;
    const outputs = await Promise.all(runs.map(async (r) => json((await stack.waitForRun(r.id)).output).cart));
    expect(outputs.filter((c) => c === cartId)).toHaveLength(1);
    expect((await runsOf(other.ids[0]!)).map((r) => r.status)).toHaveLength(1);
  });

  it("a composite idempotency key", async () => {
    const events = [
      { name: "user/action.performed", data: { userId: "u1", organizationId: "o1" } },
      { name: "user/action.performed", data: { userId: "u1", organizationId: "o1" } },
      { name: "user/action.performed", data: { userId: "u1", organizationId: "o2" } },
    ];
    const { ids } = await stack.ingest.sendEvents({ events });
    const counts = await Promise.all(ids.map(async (id) => (await runsOf(id)).length));
    expect(counts).toEqual([1, 0, 1]);
    expect((await stack.runForEvent(ids[2]!)).status).toBe(RunStatus.COMPLETED);
  });
});
