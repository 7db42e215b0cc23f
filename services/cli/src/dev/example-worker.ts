import { Tenax, type Logger } from "@tenax/sdk";

export interface ExampleWorkerOptions {
  ingestUrl: string;
  executorUrl: string;
  signingKey?: string;
  logger?: Logger;
}

/** The example functions `tenax dev` serves, so a fresh install has something to run. */
export async function startExampleWorker(options: ExampleWorkerOptions) {
  const tenax = new Tenax({ id: "examples", ...options });
  const hello = tenax.createFunction({ id: "hello" }, { event: "demo/hello" }, async ({ event, step }) => {
    const name = await step.run("pick-name", () => String((event.data as { name?: string }).name ?? "world"));
    const greeting = await step.run("greet", () => `Hello, ${name}!`);
    return { greeting };
  });
  const order = tenax.createFunction({ id: "process-order", retries: 4, concurrency: 10 }, { event: "order/created" }, async ({ event, step }) => {
    const data = event.data as { userId?: string; amount?: number };
    const user = await step.run("fetch-user", () => ({ id: data.userId ?? "u1", name: "Example User" }));
    const charge = await step.run("charge", () => ({ id: `ch_${Date.now()}`, amount: data.amount ?? 0, user: user.id }));
    return { charged: charge.id };
  });
  const bigSpender = tenax.createFunction({ id: "big-spender" }, { event: "order/created", if: "event.data.amount > 100" }, async ({ event, step }) =>
    step.run("notify-sales", () => ({ notified: true, amount: (event.data as { amount: number }).amount })),
  );
  return tenax.connect({ functions: [hello, order, bigSpender] });
}
