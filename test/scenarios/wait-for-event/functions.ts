import { Tenax, type StepError } from "@tenax/sdk";

export const tenax = new Tenax({ id: "scenarios" });

const byMatch = tenax.createFunction({ id: "wait-match" }, { event: "shop/order.created" }, async ({ event, step }) => {
  const paid = await step.waitForEvent("wait-for-payment", { event: "shop/order.paid", match: "data.orderId", timeout: "30s" });
  return { orderId: (event.data as { orderId: string }).orderId, paid: paid ? (paid.data as { amount: number }).amount : null };
});

const byIf = tenax.createFunction({ id: "wait-if" }, { event: "shop/cart.created" }, async ({ step }) => {
  const done = await step.waitForEvent("wait-for-checkout", {
    event: "shop/cart.checkout",
    if: "event.data.cartId == async.data.cartId && async.data.total > 10",
    timeout: "30s",
  });
  return { total: done ? (done.data as { total: number }).total : null };
});

const timesOut = tenax.createFunction({ id: "wait-timeout" }, { event: "shop/quote.requested" }, async ({ step }) => {
  const reply = await step.waitForEvent("wait-for-reply", { event: "shop/quote.replied", match: "data.quoteId", timeout: "1s" });
  return { reply };
});

// Sends the awaited event in the same tick the wait is reached (first time only), proving an
// event received after the run reached the wait is never missed, even before the wait is stored.
const sentOnce = new Set<string>();
const sameTick = tenax.createFunction({ id: "wait-same-tick" }, { event: "race/start" }, async ({ event, step, runId }) => {
  await step.run("prepare", () => "ready");
  const key = (event.data as { key: string }).key;
  if (!sentOnce.has(runId)) {
    sentOnce.add(runId);
    void tenax.send({ name: "race/go", data: { key } });
  }
  const go = await step.waitForEvent("wait-for-go", { event: "race/go", match: "data.key", timeout: "20s" });
  return { got: go !== null };
});

const badExpression = tenax.createFunction({ id: "wait-bad-if" }, { event: "shop/bad.wait" }, async ({ step }) => {
  return await step.waitForEvent("wait-broken", { event: "shop/anything", if: "async.data.(", timeout: "5s" });
});

// An `if` with no key (no async.x == event.y term): every open one is evaluated against every
// "shop/bid.placed" event, so their number per event name is limited (2 in this stack).
const unkeyed = tenax.createFunction({ id: "wait-unkeyed" }, { event: "shop/auction.opened" }, async ({ step }) => {
  try {
    const bid = await step.waitForEvent("wait-for-bid", { event: "shop/bid.placed", if: "async.data.amount > event.data.min", timeout: "30s" });
    return { bid: bid ? (bid.data as { amount: number }).amount : null };
  } catch (err) {
    return { reason: (err as StepError).reason ?? null, message: (err as Error).message };
  }
});

export const functions = [byMatch, byIf, timesOut, sameTick, badExpression, unkeyed];
