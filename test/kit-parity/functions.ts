// Scenarios shared by the testing kit (sdk-ts/src/kit/parity.test.ts, in-process) and the real
// stack (test/kit-parity/stack.test.ts, service and worker processes): the same functions and the
// same expectations, so the kit cannot drift from what the services decide (triggers' `if`, wait
// matching, retries, sleeps). A scenario worker serves `functions` (test/workers/scenario.ts).
import { Tenax, type EventPayload, type RunStatus } from "@tenax/sdk";

export const tenax = new Tenax({ id: "kit-parity" });

const twoSteps = tenax.createFunction({ id: "parity-two-steps" }, { event: "parity/two-steps" }, async ({ event, step }) => {
  const a = await step.run("one", () => (event.data.n as number) + 1);
  const b = await step.run("two", () => a * 10);
  return { a, b };
});

// Fails its first two attempts (decided by the attempt, so it is deterministic in any process).
const retryThenSucceed = tenax.createFunction({ id: "parity-retry", retries: 3 }, { event: "parity/retry" }, async ({ step, attempt }) => {
  const result = await step.run("flaky", () => {
    if (attempt < 2) throw new Error(`attempt ${attempt} fails`);
    return { succeededOn: attempt };
  });
  return result;
});

const waitWithMatch = tenax.createFunction({ id: "parity-wait" }, { event: "parity/order.created" }, async ({ event, step }) => {
  const paid = await step.waitForEvent("wait-paid", { event: "parity/order.paid", match: "data.orderId", timeout: "1h" });
  return { orderId: event.data.orderId, amount: paid ? paid.data.amount : null };
});

const waitTimesOut = tenax.createFunction({ id: "parity-wait-timeout" }, { event: "parity/quote.requested" }, async ({ step }) => {
  const reply = await step.waitForEvent("wait-reply", { event: "parity/quote.replied", match: "data.quoteId", timeout: "1s" });
  return { reply };
});

const filtered = tenax.createFunction({ id: "parity-filtered" }, { event: "parity/filtered", if: "event.data.amount > 100" }, async ({ event, step }) => {
  return step.run("accept", () => event.data.amount as number);
});

const sleeper = tenax.createFunction({ id: "parity-sleep" }, { event: "parity/sleep" }, async ({ step }) => {
  const before = await step.run("before", () => "a");
  await step.sleep("nap", "1s");
  const after = await step.run("after", () => "b");
  return before + after;
});

const caught = tenax.createFunction({ id: "parity-caught", retries: 0 }, { event: "parity/caught" }, async ({ step }) => {
  try {
    await step.run("fails", () => {
      throw new Error("declined");
    });
    return "unreachable";
  } catch (err) {
    return step.run("fallback", () => `fallback after ${(err as Error).message}`);
  }
});

export const functions = [twoSteps, retryThenSucceed, waitWithMatch, waitTimesOut, filtered, sleeper, caught];

export interface Scenario {
  name: string;
  /** Sent first, together. */
  send: EventPayload[];
  /** How many runs each sent event starts (trigger name and `if`). */
  runs: number[];
  /** Sent once the run (of the first event that starts one) waits in a waitForEvent. */
  deliver?: EventPayload[];
  /** That run's end. */
  expect: { status: RunStatus; output: unknown; steps: string[] };
}

export const scenarios: Scenario[] = [
  {
    name: "a 2-step function",
    send: [{ name: "parity/two-steps", data: { n: 4 } }],
    runs: [1],
    expect: { status: "completed", output: { a: 5, b: 50 }, steps: ["one", "two"] },
  },
  {
    name: "a step that fails twice, then succeeds on its retry",
    send: [{ name: "parity/retry" }],
    runs: [1],
    expect: { status: "completed", output: { succeededOn: 2 }, steps: ["flaky"] },
  },
  {
    name: "waitForEvent with match resumes with the matching event only",
    send: [{ name: "parity/order.created", data: { orderId: "o-1" } }],
    runs: [1],
    deliver: [
      { name: "parity/order.paid", data: { orderId: "o-2", amount: 1 } },
      { name: "parity/order.paid", data: { amount: 2 } },
      { name: "parity/order.paid", data: { orderId: "o-1", amount: 42 } },
    ],
    expect: { status: "completed", output: { orderId: "o-1", amount: 42 }, steps: ["wait-paid"] },
  },
  {
    name: "waitForEvent returns null at its timeout",
    send: [{ name: "parity/quote.requested", data: { quoteId: "q-1" } }],
    runs: [1],
    expect: { status: "completed", output: { reply: null }, steps: ["wait-reply"] },
  },
  {
    name: "a trigger's if starts runs for matching events only (a missing field is no match)",
    send: [
      { name: "parity/filtered", data: { amount: 50 } },
      { name: "parity/filtered", data: { amount: 150 } },
      { name: "parity/filtered", data: {} },
    ],
    runs: [0, 1, 0],
    expect: { status: "completed", output: 150, steps: ["accept"] },
  },
  {
    name: "a sleep between two steps",
    send: [{ name: "parity/sleep" }],
    runs: [1],
    expect: { status: "completed", output: "ab", steps: ["before", "nap", "after"] },
  },
  {
    name: "a step out of retries is caught and a fallback runs",
    send: [{ name: "parity/caught" }],
    runs: [1],
    expect: { status: "completed", output: "fallback after declined", steps: ["fails", "fallback"] },
  },
];
