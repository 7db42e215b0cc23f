// The bench worker process: serves the bench functions through the SDK (maxConcurrency 200).
import { Tenax, type Handler } from "@tenax/sdk";

const tenax = new Tenax({ id: "bench" });

// Checkpointing-on variants pass exactly this; they work whether or not the executor uses it.
const checkpointing = { bufferedSteps: 10, maxInterval: "50ms", maxRuntime: "60s" } as const;

type ChainData = { steps: number };

/**
 * `steps` sequential steps with tiny outputs. The first step's body returns the time it
 * started (Date.now(); the bench runs on the same machine), which W4 reads from the output.
 */
const chainHandler: Handler<ChainData, { first: number }> = async ({ event, step }) => {
  const n = event.data.steps;
  let first = 0;
  for (let i = 0; i < n; i++) {
    const v = await step.run(`s${i}`, () => (i === 0 ? Date.now() : i));
    if (i === 0) first = v;
  }
  return { first };
};

const chain = tenax.createFunction<ChainData>({ id: "chain", retries: 0 }, { event: "bench/chain" }, chainHandler);
const chainCp = tenax.createFunction<ChainData>({ id: "chain-cp", retries: 0, checkpointing }, { event: "bench/chain-cp" }, chainHandler);

// W5: the step before the sleep computes the due time and returns it; the sleep is until exactly
// that time; the next step's body records when it started.
const nap = tenax.createFunction({ id: "nap", retries: 0 }, { event: "bench/nap" }, async ({ step }) => {
  const due = await step.run("plan", () => Date.now() + 1000);
  await step.sleepUntil("nap", due);
  const woke = await step.run("wake", () => Date.now());
  return { due, woke };
});

// W6: parked in waitForEvent (the event never comes; the timeout is far away).
const park = tenax.createFunction({ id: "park", retries: 0 }, { event: "bench/park" }, async ({ step }) => {
  const ev = await step.waitForEvent("park", { event: "bench/unpark", match: "data.k", timeout: "1h" });
  return { resumed: ev !== null };
});

const worker = await tenax.connect({ functions: [chain, chainCp, nap, park], maxConcurrency: 200 });
console.log(JSON.stringify({ msg: "worker ready" }));
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
