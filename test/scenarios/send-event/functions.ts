import { Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

const signup = tenax.createFunction({ id: "signup" }, { event: "user/signup" }, async ({ event, step, runId }) => {
  const email = (event.data as { email: string }).email;
  const sent = await step.sendEvent("send-welcome", { name: "user/welcome", data: { email } });
  // A later step makes the handler replay after the send: the send must not repeat.
  await step.run("after-send", () => effect(runId, "after-send"));
  return sent;
});

const welcome = tenax.createFunction({ id: "welcome" }, { event: "user/welcome" }, async ({ event, step, runId }) => {
  return await step.run("email", () => {
    effect(runId, "email");
    return { to: (event.data as { email: string }).email };
  });
});

export const functions = [signup, welcome];
