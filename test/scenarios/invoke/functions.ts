import { createHash } from "node:crypto";
import { NonRetriableError, Tenax, type StepError } from "@tenax/sdk";

export const tenax = new Tenax({ id: "scenarios" });

export const generateReport = tenax.createFunction({ id: "generate-report" }, { event: "report/generate" }, async ({ event, step }) => {
  const userId = (event.data as { userId: string }).userId;
  return await step.run("build", () => ({ userId, pages: 3 }));
});

const failingChild = tenax.createFunction({ id: "failing-child", retries: 0 }, { event: "report/never" }, async () => {
  throw new NonRetriableError("the child gave up");
});

const slowChild = tenax.createFunction({ id: "slow-child" }, { event: "report/never-slow" }, async ({ step }) => {
  await step.sleep("long-nap", "30s");
  return "late";
});

// At most one run per key per 24 h: a second invoke with the same key cannot start a child.
const onceChild = tenax.createFunction({ id: "once-child", idempotency: "event.data.key" }, { event: "report/never-once" }, async () => "once");

// The seed's example: invoke a function as a step and use its result.
const parent = tenax.createFunction({ id: "report-parent" }, { event: "report/requested" }, async ({ event, step, runId }) => {
  const mode = (event.data as { mode: string }).mode;
  if (mode === "ok") {
    const result = await step.invoke("generate-report", { function: generateReport, data: { userId: "u-7" } });
    return await step.run("process-report", () => ({ processed: result }));
  }
  try {
    if (mode === "fail") await step.invoke("call-failing", { function: failingChild, data: {} });
    if (mode === "timeout") await step.invoke("call-slow", { function: slowChild, data: {}, timeout: "1s" });
    if (mode === "unknown") await step.invoke("call-unknown", { function: "no-such-function", data: {} });
    if (mode === "dup-key") {
      const first = await step.invoke("once-1", { function: onceChild, data: { key: (event.data as { key: string }).key } });
      if (first !== "once") throw new Error(`first invoke returned ${String(first)}`);
      await step.invoke("once-2", { function: onceChild, data: { key: (event.data as { key: string }).key } });
    }
    if (mode === "id-taken") {
      // Another event takes the id the invoke's own event would get (invoke-<run id>-<hashed step id>).
      const stepHash = createHash("sha1").update("call-taken").digest("hex");
      await step.sendEvent("take-id", { name: "report/unrelated", id: `invoke-${runId}-${stepHash}` });
      await step.invoke("call-taken", { function: generateReport, data: { userId: "u-8" } });
    }
    return { caught: null };
  } catch (err) {
    return { caught: (err as Error).name, message: (err as Error).message, reason: (err as StepError).reason ?? null };
  }
});

export const functions = [generateReport, failingChild, slowChild, onceChild, parent];
