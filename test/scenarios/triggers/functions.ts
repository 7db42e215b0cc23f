import { Tenax } from "@tenax/sdk";

export const tenax = new Tenax({ id: "scenarios" });

// The seed's conditional trigger.
const purchases = tenax.createFunction(
  { id: "big-purchase" },
  { event: "user/action", if: 'event.data.action == "purchase" && event.data.amount > 100' },
  async ({ event }) => ({ amount: (event.data as { amount: number }).amount }),
);

// Multiple triggers.
const multi = tenax.createFunction(
  { id: "multi-trigger" },
  [{ event: "user/signup" }, { event: "user/login", if: "event.data.firstLogin == true" }],
  async ({ event }) => ({ via: event.name }),
);

// A function whose filter does not compile: rejected at registration; the others still run.
const broken = tenax.createFunction({ id: "broken-filter" }, { event: "user/x", if: "event.data.(" }, async () => "never");

// Consumer-side idempotency (the seed's examples).
const sendEmail = tenax.createFunction(
  { id: "send-checkout-email", idempotency: "event.data.cartId" },
  { event: "cart/checkout.completed" },
  async ({ event }) => ({ cart: (event.data as { cartId: string }).cartId }),
);
const processUserAction = tenax.createFunction(
  { id: "process-user-action", idempotency: 'event.data.userId + "-" + event.data.organizationId' },
  { event: "user/action.performed" },
  async () => "done",
);

export const functions = [purchases, multi, broken, sendEmail, processUserAction];
