import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import type { Proc } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";

const effects = createEffectsLog();
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
let worker: Proc;
beforeAll(async () => {
  stack = await startStack("failures");
  worker = await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

async function run(name: string, data: Record<string, string> = {}) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name, data }] });
  return stack.runForEvent(ids[0]!);
}
/** Attempts recorded by step bodies: [label, attempt, time]. */
const attempts = (runId: string) =>
  effects
    .of(runId)
    .map((e) => e.split("@"))
    .map(([label, attempt, at]) => ({ label, attempt: Number(attempt), at: Number(at) }));

describe("retries and errors", () => {
  it("a step failing twice then succeeding takes 3 attempts; the next step has its full budget", async () => {
    const r = await run("fail/budget");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output)).toEqual({ a: 2, b: 2 });
    expect(attempts(r.id).map((a) => `${a.label}@${a.attempt}`)).toEqual(["first@0", "first@1", "first@2", "second@0", "second@1", "second@2"]);
    const { steps } = await stack.runs.getRun({ runId: r.id });
    expect(steps.map((s) => s.attempt)).toEqual([2, 2]);
  });

  it("NonRetriableError in a step: one attempt, the run fails with the error stored", async () => {
    const r = await run("fail/non-retriable");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(attempts(r.id)).toHaveLength(1);
    expect(r.error!.message).toContain("User not found, stopping execution");
    const { steps } = await stack.runs.getRun({ runId: r.id });
    expect(steps[0]!.error!.name).toBe("NonRetriableError");
  });

  it('RetryAfterError "2s": the retry happens no earlier than 2 s later', async () => {
    const r = await run("fail/retry-after");
    expect(r.status).toBe(RunStatus.COMPLETED);
    const [first, second] = attempts(r.id);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000);
  });

  it("exhausted retries are caught by the fallback pattern", async () => {
    const r = await run("fail/fallback");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output)).toEqual({ result: "from fallback" });
    expect(attempts(r.id)).toHaveLength(2);
  });

  it("an uncaught final StepError fails the run without another round of retries", async () => {
    const r = await run("fail/uncaught");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(r.error!.name).toBe("StepError");
    expect(attempts(r.id)).toHaveLength(2);
  });

  it("retries: 0 makes one attempt", async () => {
    const r = await run("fail/no-retries");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(attempts(r.id)).toHaveLength(1);
  });

  it("a thrown string is wrapped, not lost", async () => {
    const r = await run("fail/string");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(r.error!.message).toContain("a plain string was thrown");
  });

  it("a tenax/function.failed handler receives the run id and function id", async () => {
    const failed = await run("fail/no-retries");
    const line = await worker.waitFor((l) => l.msg === "failed-listener ran" && l.failedRunId === failed.id);
    expect(line).toMatchObject({ functionId: "no-retries", appId: "scenarios", message: expect.stringContaining("only once") });
  });

  it("onFailure runs with the original event and the error", async () => {
    const failed = await run("fail/on-failure", { orderId: "o-77" });
    expect(failed.status).toBe(RunStatus.FAILED);
    const line = await worker.waitFor((l) => l.msg === "on-failure ran" && l.orderId === "o-77");
    expect(line.message).toContain("order processing broke");
  });

  it("an executor killed during a retry backoff: the retry still happens, once", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "fail/backoff", data: {} }] });
    const [listed] = (await stack.runs.listRuns({ eventId: ids[0]! })).runs;
    for await (const msg of stack.runs.watchRun({ runId: listed!.id })) if (msg.run?.status === RunStatus.SLEEPING) break;
    await stack.procs.get("executor")!.kill("SIGKILL");
    await stack.start("executor");
    const r = await stack.waitForRun(listed!.id);
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(attempts(r.id).map((a) => a.attempt)).toEqual([0, 1]);
  });
});
