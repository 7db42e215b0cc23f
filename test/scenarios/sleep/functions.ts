import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

// step.sleep then a step.
const nap = tenax.createFunction({ id: "nap" }, { event: "sleep/nap" }, async ({ step, runId }) => {
  const before = await step.run("before", () => Date.now());
  await step.sleep("nap", "2s");
  const after = await step.run("after", () => {
    effect(runId, "after");
    return Date.now();
  });
  return { sleptMs: after - before };
});

// step.sleepUntil a time carried by the event (the seed's cancellation example shape).
const until = tenax.createFunction({ id: "until" }, { event: "sleep/until" }, async ({ event, step }) => {
  await step.sleepUntil("wait-for-due", (event.data as { due: string }).due);
  return await step.run("due", () => ({ at: Date.now() }));
});

export const functions = [nap, until];
