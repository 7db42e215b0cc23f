import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

const busy = (runId: string, label: string) => async () => {
  effect(runId, `start:${label}:${Date.now()}`);
  await new Promise((r) => setTimeout(r, 300));
  effect(runId, `end:${label}:${Date.now()}`);
};

const limited = tenax.createFunction({ id: "limited", concurrency: 2 }, { event: "conc/limited" }, async ({ step, runId }) => {
  await step.run("work", busy(runId, "limited"));
});

const perUser = tenax.createFunction(
  { id: "per-user", concurrency: { limit: 1, key: "event.data.userId" } },
  { event: "conc/per-user" },
  async ({ event, step, runId }) => {
    await step.run("work", busy(runId, (event.data as { userId: string }).userId));
  },
);

export const functions = [limited, perUser];
