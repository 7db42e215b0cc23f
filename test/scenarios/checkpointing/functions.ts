import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

// The first execution of HANG_STEP hangs forever (so the test can kill the worker there).
let hung = false;
const body = (runId: string, id: string) => async () => {
  effect(runId, id);
  if (id === process.env.HANG_STEP && !hung) {
    hung = true;
    console.log(JSON.stringify({ msg: "hanging", runId, step: id }));
    await new Promise(() => {});
  }
  return id;
};

const fiveSteps = (id: string, bufferedSteps: number) =>
  tenax.createFunction(
    { id, checkpointing: { bufferedSteps, maxInterval: "30s", maxRuntime: "60s" } },
    { event: `checkpoint/${id}` },
    async ({ step, runId }) => {
      const out: string[] = [];
      for (const s of ["s1", "s2", "s3", "s4", "s5"]) out.push(await step.run(s, body(runId, s)));
      return out;
    },
  );

export const functions = [fiveSteps("buffer-3", 3), fiveSteps("buffer-2", 2)];
