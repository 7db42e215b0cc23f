import { Tenax } from "@tenax/sdk";

export const tenax = new Tenax({ id: "scenarios" });

const tooManySteps = tenax.createFunction({ id: "too-many-steps" }, { event: "limits/steps" }, async ({ step }) => {
  for (let i = 0; i < 1001; i++) await step.run(`s${i}`, () => i);
  return "unreachable";
});

const bigOutput = tenax.createFunction({ id: "big-output" }, { event: "limits/output" }, async ({ step }) => {
  try {
    await step.run("five-mib", () => "x".repeat(5 * 1024 * 1024));
    return { caught: null };
  } catch (err) {
    return { caught: (err as Error).message };
  }
});

export const functions = [tooManySteps, bigOutput];
