import { Tenax, type Duration } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

const sleeper = tenax.createFunction({ id: "sleeper" }, { event: "ha/sleep" }, async ({ event, step, runId }) => {
  await step.sleep("nap", ((event.data as { nap?: string }).nap ?? "2s") as Duration);
  await step.run("after", () => effect(runId, "after"));
  return "woke";
});

const waiter = tenax.createFunction({ id: "waiter" }, { event: "ha/wait" }, async ({ step, runId }) => {
  const go = await step.waitForEvent("go", { event: "ha/go", match: "data.k", timeout: "60s" });
  await step.run("after", () => effect(runId, "after"));
  return { via: go ? (go.data as { via: string }).via : null };
});

export const functions = [sleeper, waiter];
