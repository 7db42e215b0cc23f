import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

export const batchSize = 50;

const single = tenax.createFunction({ id: "single" }, { event: "ambiguous/single" }, async ({ step, runId }) => {
  const charged = await step.run("charge", () => (effect(runId, "charge"), { charged: 42 }));
  await step.run("after", () => effect(runId, "after"));
  return charged;
});

// Every run's first step returns at the same moment, so their results share a group commit.
let arrived = 0;
let release: () => void;
const barrier = new Promise<void>((resolve) => (release = resolve));
const batch = tenax.createFunction({ id: "batch" }, { event: "ambiguous/batch" }, async ({ step, runId }) => {
  const n = await step.run("gate", async () => {
    effect(runId, "gate");
    if (++arrived >= batchSize) release();
    await barrier;
    return 1;
  });
  await step.run("after", () => effect(runId, "after"));
  return n;
});

export const functions = [single, batch];
