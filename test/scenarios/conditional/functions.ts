import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

// The seed's conditional-step example.
const conditionalProcess = tenax.createFunction({ id: "conditional-process" }, { event: "process/conditional" }, async ({ event, step, runId }) => {
  const userData = await step.run("fetch-user", () => ({
    id: (event.data as { userId: string }).userId,
    isPremium: (event.data as { premium: boolean }).premium,
  }));
  if (userData.isPremium) {
    await step.run("premium-processing", () => effect(runId, "premium"));
  }
  await step.run("standard-processing", () => effect(runId, "standard"));
  return { premium: userData.isPremium };
});

export const functions = [conditionalProcess];
