// A real worker process for integration tests. Step bodies append to TENAX_COUNTER_FILE so
// tests can count side effects across processes; HANG_STEP makes that step hang (crash tests).
import { appendFileSync } from "node:fs";
import { Tenax } from "@tenax/sdk";

const counterFile = process.env.TENAX_COUNTER_FILE ?? "/dev/null";
const hangStep = process.env.HANG_STEP ?? "";
const tenax = new Tenax({ id: "test-app" });

// The first execution of HANG_STEP hangs until SIGUSR2 (or forever), so a test can crash
// something while a step is in flight; later executions run normally.
let hung = false;
let release: () => void = () => {};
process.on("SIGUSR2", () => release());
const sideEffect = async (runId: string, step: string) => {
  appendFileSync(counterFile, `${runId} ${step}\n`);
  if (step === hangStep && !hung) {
    hung = true;
    console.log(JSON.stringify({ msg: "hanging", runId, step }));
    await new Promise<void>((resolve) => (release = resolve));
    console.log(JSON.stringify({ msg: "released", runId, step }));
  }
};

const threeSteps = tenax.createFunction({ id: "three-steps", retries: 2 }, { event: "test/three" }, async ({ event, step, runId }) => {
  const a = await step.run("one", async () => {
    await sideEffect(runId, "one");
    return { n: (event.data as { n: number }).n + 1 };
  });
  const b = await step.run("two", async () => {
    await sideEffect(runId, "two");
    return a.n * 10;
  });
  const c = await step.run("three", async () => {
    await sideEffect(runId, "three");
    return `${b}!`;
  });
  return { a, b, c };
});

const bigMemo = tenax.createFunction({ id: "big-memo" }, { event: "test/big" }, async ({ step }) => {
  const sizes: number[] = [];
  for (const name of ["x", "y", "z", "w"]) {
    const s = await step.run(name, () => "v".repeat(2_600_000));
    sizes.push(s.length);
  }
  return { sizes };
});

const flaky = tenax.createFunction({ id: "flaky", retries: 3 }, { event: "test/flaky" }, async ({ step, attempt, runId }) => {
  const v = await step.run("sometimes", async () => {
    await sideEffect(runId, `attempt-${attempt}`);
    if (attempt < 2) throw new Error(`boom ${attempt}`);
    return attempt;
  });
  return { v };
});

const filtered = tenax.createFunction({ id: "filtered" }, { event: "test/filtered", if: "event.data.amount > 100" }, async ({ event }) => ({
  amount: (event.data as { amount: number }).amount,
}));

const worker = await tenax.connect({
  functions: [threeSteps, bigMemo, flaky, filtered],
  maxConcurrency: Number(process.env.WORKER_CONCURRENCY ?? 20),
});
console.log(JSON.stringify({ msg: "worker ready" }));
process.on("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
