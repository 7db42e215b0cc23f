import { NonRetriableError, RetryAfterError, Tenax } from "@tenax/sdk";
import { effect } from "../effects.js";

export const tenax = new Tenax({ id: "scenarios" });

const mark = (runId: string, label: string, attempt: number) => effect(runId, `${label}@${attempt}@${Date.now()}`);

// Each step has its own attempt budget: "second" needs 3 attempts after "first" needed 3.
const perStepBudget = tenax.createFunction({ id: "per-step-budget", retries: 2 }, { event: "fail/budget" }, async ({ step, runId, attempt }) => {
  const flaky = (label: string) => () => {
    mark(runId, label, attempt);
    if (attempt < 2) throw new Error(`${label} failed on attempt ${attempt}`);
    return attempt;
  };
  const a = await step.run("first", flaky("first"));
  const b = await step.run("second", flaky("second"));
  return { a, b };
});

const nonRetriable = tenax.createFunction({ id: "non-retriable" }, { event: "fail/non-retriable" }, async ({ step, runId, attempt }) => {
  await step.run("fetch-user", () => {
    mark(runId, "fetch-user", attempt);
    throw new NonRetriableError("User not found, stopping execution");
  });
  return "unreachable";
});

const retryAfter = tenax.createFunction({ id: "retry-after" }, { event: "fail/retry-after" }, async ({ step, runId, attempt }) => {
  return await step.run("call-api", () => {
    mark(runId, "call-api", attempt);
    if (attempt === 0) throw new RetryAfterError("Rate limited", "2s");
    return "ok";
  });
});

const fallback = tenax.createFunction({ id: "robust-process", retries: 1 }, { event: "fail/fallback" }, async ({ step, runId, attempt }) => {
  let primaryResult;
  try {
    primaryResult = await step.run("primary-service", () => {
      mark(runId, "primary", attempt);
      throw new Error("primary is down");
    });
  } catch {
    primaryResult = await step.run("fallback-service", () => "from fallback");
  }
  return { result: primaryResult };
});

const uncaught = tenax.createFunction({ id: "uncaught-step-error", retries: 1 }, { event: "fail/uncaught" }, async ({ step, runId, attempt }) => {
  await step.run("always-fails", () => {
    mark(runId, "always-fails", attempt);
    throw new Error("nope");
  });
  return "unreachable";
});

const noRetries = tenax.createFunction({ id: "no-retries", retries: 0 }, { event: "fail/no-retries" }, async ({ step, runId, attempt }) => {
  await step.run("once", () => {
    mark(runId, "once", attempt);
    throw new Error("only once");
  });
});

const throwsString = tenax.createFunction({ id: "throws-string", retries: 0 }, { event: "fail/string" }, async () => {
  throw "a plain string was thrown";
});

const backoffThenOk = tenax.createFunction({ id: "backoff-then-ok" }, { event: "fail/backoff" }, async ({ step, runId, attempt }) => {
  return await step.run("slow-retry", () => {
    mark(runId, "slow-retry", attempt);
    if (attempt === 0) throw new RetryAfterError("come back later", 3000);
    return attempt;
  });
});

// onFailure runs as its own durable function with the original event and the error.
const withOnFailure = tenax.createFunction(
  {
    id: "has-on-failure",
    retries: 0,
    onFailure: async ({ event, error, step }) => {
      const seen = await step.run("record", () => ({ orderId: (event.data as { orderId: string }).orderId, message: error.message }));
      console.log(JSON.stringify({ msg: "on-failure ran", ...seen }));
    },
  },
  { event: "fail/on-failure" },
  async () => {
    throw new Error("order processing broke");
  },
);

// The seed's cleanup pattern, on failures.
const failedListener = tenax.createFunction(
  { id: "failed-listener" },
  { event: "tenax/function.failed", if: 'event.data.function_id == "no-retries"' },
  async ({ event, step }) => {
    const data = event.data as { run_id: string; function_id: string; app_id: string; error: { message: string } };
    const seen = await step.run("cleanup", () => ({ failedRunId: data.run_id, functionId: data.function_id, appId: data.app_id, message: data.error.message }));
    console.log(JSON.stringify({ msg: "failed-listener ran", ...seen }));
    return seen;
  },
);

export const functions = [perStepBudget, nonRetriable, retryAfter, fallback, uncaught, noRetries, throwsString, backoffThenOk, withOnFailure, failedListener];
