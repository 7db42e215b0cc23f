import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

// The seed's process-order example.
const processOrder = tenax.createFunction(
  { id: "process-order", cancelOn: [{ event: "order/cancelled", if: "event.data.orderId == async.data.orderId" }] },
  { event: "order/created" },
  async ({ event, step, runId }) => {
    await step.sleepUntil("wait-for-payment", (event.data as { paymentDue: string }).paymentDue);
    await step.run("charge-payment", () => effect(runId, "charge"));
  },
);

// The seed's cleanup function.
const cleanupCancelled = tenax.createFunction({ id: "cleanup-cancelled-process" }, { event: "tenax/function.cancelled" }, async ({ event, step }) => {
  const data = event.data as { function_id: string; run_id: string; error: { message: string } };
  if (data.function_id === "process-order") {
    await step.run("cleanup-resources", () => {
      console.log(JSON.stringify({ msg: "cleaned up", runId: data.run_id, error: data.error.message }));
    });
  }
});

// A step in flight when the cancellation arrives: it finishes and is stored, nothing runs after.
const inFlight = tenax.createFunction(
  { id: "in-flight", cancelOn: [{ event: "job/stop", match: "data.jobId" }] },
  { event: "job/start" },
  async ({ step, runId }) => {
    await step.run("long-step", async () => {
      console.log(JSON.stringify({ msg: "long step started", runId }));
      await new Promise<void>((resolve) => process.once("SIGUSR2", () => resolve()));
      effect(runId, "long-step");
      return "finished";
    });
    await step.run("after", () => effect(runId, "after"));
  },
);

// Stuck behind a concurrency limit: the second run cannot start within its start timeout.
const queued = tenax.createFunction({ id: "queued", concurrency: 1, timeouts: { start: "1s" } }, { event: "job/queued" }, async ({ step }) => {
  return await step.run("hold-the-slot", () => new Promise((r) => setTimeout(() => r("held"), 3000)));
});

const tooSlow = tenax.createFunction({ id: "too-slow", timeouts: { run: "1s" } }, { event: "job/slow" }, async ({ step, runId }) => {
  await step.sleep("nap", "30s");
  await step.run("after", () => effect(runId, "after"));
});

const sleeper = tenax.createFunction({ id: "sleeper" }, { event: "job/sleep" }, async ({ step }) => {
  await step.sleep("nap", "1h");
});

export const functions = [processOrder, cleanupCancelled, inFlight, queued, tooSlow, sleeper];
