import { Tenax } from "@tenax/sdk";

// The keys come from the environment (TENAX_SIGNING_KEY): the stack of this scenario has keys.
export const tenax = new Tenax({ id: "runs-app" });

export const processOrder = tenax.createFunction({ id: "process-order" }, { event: "runs/order" }, async ({ event, step }) => {
  const n = await step.run("load", () => (event.data as { n: number }).n);
  const charged = await step.run("charge", () => `ch_${n}`);
  return { charged, at: new Date(0), skipped: undefined };
});

export const declines = tenax.createFunction({ id: "declines", retries: 0 }, { event: "runs/decline" }, async ({ step }) => {
  await step.run("charge", () => {
    throw new Error("card declined", { cause: new RangeError("402 from the bank") });
  });
  return "unreachable";
});

// Waits for "runs/go" with the same key: a run that ends when the test says so.
export const waiter = tenax.createFunction({ id: "waiter" }, { event: "runs/wait" }, async ({ step }) => {
  const go = await step.waitForEvent("go", { event: "runs/go", match: "data.key", timeout: "5m" });
  return { went: go !== null };
});

export const counted = tenax.createFunction({ id: "counted" }, { event: "runs/count" }, async ({ event }) => (event.data as { i: number }).i);

// Two functions on one event: one event, two runs.
export const fanA = tenax.createFunction({ id: "fan-a" }, { event: "runs/fan" }, async () => ({ from: "a" as const }));
export const fanB = tenax.createFunction({ id: "fan-b" }, { event: "runs/fan" }, async () => ({ from: "b" as const }));

export const functions = [processOrder, declines, waiter, counted, fanA, fanB];
