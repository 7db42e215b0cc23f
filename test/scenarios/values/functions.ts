import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

// Values Postgres cannot hold as text or jsonb, but JSON text can: NUL and a lone surrogate.
export const nul = "a\u0000b";
export const lone = "😀".slice(0, 1);

const nulOutput = tenax.createFunction({ id: "nul-output" }, { event: "values/nul-output" }, async ({ step, runId }) => {
  const v = await step.run("nul", () => (effect(runId, "nul"), { s: nul, [nul]: 1 }));
  const same = await step.run("check", () => v.s === nul && v[nul] === 1);
  return { v, same };
});

const loneOutput = tenax.createFunction({ id: "lone-output" }, { event: "values/lone-output" }, async ({ step, runId }) => {
  const v = await step.run("lone", () => (effect(runId, "lone"), lone));
  const same = await step.run("check", () => v === lone);
  return { v, same };
});

const nulError = tenax.createFunction({ id: "nul-error", retries: 0 }, { event: "values/nul-error" }, async ({ step, runId }) => {
  try {
    await step.run("throw", () => {
      effect(runId, "throw");
      throw new Error("bad\u0000thing");
    });
  } catch (err) {
    return { caught: (err as Error).message };
  }
  return "unreachable";
});

const nulRunError = tenax.createFunction({ id: "nul-run-error", retries: 0 }, { event: "values/nul-run-error" }, async ({ runId }) => {
  effect(runId, "body");
  throw new Error(`bad${lone}thing\u0000`);
});

const nulSend = tenax.createFunction({ id: "nul-send" }, { event: "values/nul-send" }, async ({ step, runId }) => {
  try {
    await step.sendEvent("send", { name: "values/sent", data: { s: nul } });
  } catch (err) {
    effect(runId, "caught");
    return { caught: (err as Error).message };
  }
  return "sent";
});

const nulInvoke = tenax.createFunction({ id: "nul-invoke" }, { event: "values/nul-invoke" }, async ({ step }) => {
  try {
    await step.invoke("child", { function: "nul-output", data: { s: nul } });
  } catch (err) {
    return { caught: (err as Error).message };
  }
  return "invoked";
});

const nulStepId = tenax.createFunction({ id: "nul-step-id", retries: 0 }, { event: "values/nul-step-id" }, async ({ step }) => {
  return await step.run(`id${nul}`, () => "ran");
});

// Receives the lifecycle event of nul-output: its `result` is jsonb, where NUL is replaced.
const finished = tenax.createFunction(
  { id: "finished-listener" },
  { event: "tenax/function.finished", if: "event.data.function_id == 'nul-output'" },
  async ({ event }) => {
    console.log(JSON.stringify({ msg: "finished-listener ran", data: event.data }));
  },
);

export const functions = [nulOutput, loneOutput, nulError, nulRunError, nulSend, nulInvoke, nulStepId, finished];
