import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

const fanOut = tenax.createFunction({ id: "fan-out" }, { event: "parallel/all" }, async ({ step, runId }) => {
  const [a, b, c] = await Promise.all(
    ["a", "b", "c"].map((id) =>
      step.run(id, () => {
        effect(runId, id);
        return id.toUpperCase();
      }),
    ),
  );
  const joined = await step.run("join", () => `${a}${b}${c}`);
  return { joined };
});

const race = tenax.createFunction({ id: "race" }, { event: "parallel/race" }, async ({ step }) => {
  const winner = await Promise.race([step.run("fast", () => "fast"), step.sleep("slow", "20s").then(() => "slow")]);
  return await step.run("after-race", () => ({ winner }));
});

export const functions = [fanOut, race];
