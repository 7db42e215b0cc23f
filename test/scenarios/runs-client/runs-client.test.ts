import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { isRunFailedError, isStepError, RunFailedError, Tenax, type RunPage, type RunUpdate } from "@tenax/sdk";
import { startProcess } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";
import { counted, declines, fanA, processOrder, waiter } from "./functions.js";

// The stack has keys: the run API needs the signing key, sending the event key.
const keys = { TENAX_EVENT_KEY: "event-key-runs", TENAX_SIGNING_KEY: "signing-key-runs" };
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let stack: Stack;
let tenax: Tenax;

beforeAll(async () => {
  stack = await startStack("runs-client", keys);
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_SIGNING_KEY: keys.TENAX_SIGNING_KEY });
  tenax = new Tenax({ id: "runs-sender", ingestUrl: stack.ingestUrl, eventKey: keys.TENAX_EVENT_KEY, signingKey: keys.TENAX_SIGNING_KEY, logger: quiet });
});
afterAll(() => stack?.stop());

const sendOne = async (name: string, data: Record<string, unknown> = {}) => (await tenax.send({ name, data })).ids[0]!;
/** The run an event started (the run exists once send returns: same transaction). */
const runOf = async (eventId: string) => {
  for await (const page of tenax.runs.list({ eventId })) return page.runs[0]!;
  throw new Error("no page");
};

describe("tenax.runs against a real stack", () => {
  it("send → result: the output, typed from the function", async () => {
    const eventId = await sendOne("runs/order", { n: 7 });
    const output = await tenax.runs.result(processOrder, { eventId });
    expectTypeOf(output).toEqualTypeOf<{ charged: string; at: string }>();
    expect(output).toEqual({ charged: "ch_7", at: "1970-01-01T00:00:00.000Z" });
    // By run id too, untyped; and get() shows the stored steps.
    const run = await runOf(eventId);
    expect(await tenax.runs.result(run.id)).toEqual(output);
    const details = await tenax.runs.get(run.id);
    expect(details).toMatchObject({ status: "completed", functionId: "process-order", appId: "runs-app", eventIds: [eventId], output });
    expect(details.steps.map((s) => [s.stepId, s.output])).toEqual([
      ["load", 7],
      ["charge", "ch_7"],
    ]);
  });

  it("a failed run rejects with a RunFailedError carrying the cause chain", async () => {
    const eventId = await sendOne("runs/decline");
    const err = await tenax.runs.result(declines, { eventId }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RunFailedError);
    expect(isRunFailedError(err)).toBe(true);
    const failed = err as RunFailedError;
    expect(failed).toMatchObject({ code: "run_failed", status: "failed", functionId: "declines", appId: "runs-app" });
    expect(failed.message).toContain("failed: card declined");
    const stepError = failed.cause as Error & { stepId?: string; cause?: Error & { cause?: Error } };
    expect(isStepError(stepError)).toBe(true);
    expect(stepError).toMatchObject({ name: "StepError", stepId: "charge", message: "card declined" });
    expect(stepError.cause).toMatchObject({ name: "Error", message: "card declined" });
    expect(stepError.cause!.cause).toMatchObject({ name: "RangeError", message: "402 from the bank" });
  });

  it("lists runs in pages, newest first, with a small page size", async () => {
    const { ids } = await tenax.send(Array.from({ length: 7 }, (_, i) => ({ name: "runs/count", data: { i } })));
    const pages: RunPage[] = [];
    for await (const page of tenax.runs.list({ functionId: counted.id, appId: "runs-app", pageSize: 3 })) pages.push(page);
    expect(pages.map((p) => p.runs.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.nextPageToken === undefined)).toEqual([false, false, true]);
    const listed = pages.flatMap((p) => p.runs.map((r) => r.eventIds[0]));
    expect(new Set(listed)).toEqual(new Set(ids));
    const created = pages.flatMap((p) => p.runs.map((r) => r.createdAt.getTime()));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    // Resuming from a token, and filtering by status once they are done.
    for (const id of ids) await tenax.runs.result({ eventId: id });
    const rest: string[] = [];
    for await (const page of tenax.runs.list({ functionId: counted.id, pageSize: 3, pageToken: pages[0]!.nextPageToken! }))
      rest.push(...page.runs.map((r) => r.id));
    expect(rest).toEqual(pages.slice(1).flatMap((p) => p.runs.map((r) => r.id)));
    let completed = 0;
    for await (const page of tenax.runs.list({ functionId: counted.id, status: "completed", pageSize: 500 })) completed += page.runs.length;
    expect(completed).toBe(7);
  });

  it("watch yields every stored step and status change, and ends with the run", async () => {
    const eventId = await sendOne("runs/order", { n: 1 });
    const run = await runOf(eventId);
    const updates: RunUpdate[] = [];
    for await (const update of tenax.runs.watch(run.id)) updates.push(update);
    expect(updates.flatMap((u) => (u.step ? [u.step.stepId] : []))).toEqual(["load", "charge"]);
    expect(updates.at(-1)!.run).toMatchObject({ status: "completed", output: { charged: "ch_1" } });
    const statuses: string[] = [];
    for await (const { run: r, step } of tenax.runs.watch(run.id, { statusOnly: true })) {
      expect(step).toBeUndefined();
      statuses.push(r.status);
    }
    expect(statuses).toEqual(["completed"]); // already over: its current state, then the end
  });

  it("cancel: a waiting run ends cancelled, and result rejects with run_cancelled", async () => {
    const eventId = await sendOne("runs/wait", { key: "cancel-me" });
    const run = await runOf(eventId);
    const awaited = tenax.runs.result(waiter, run.id).catch((e: unknown) => e);
    // Watching until the run waits, then breaking out: the stream is cancelled and the loop ends.
    for await (const { run: r } of tenax.runs.watch(run.id)) if (r.status === "waiting") break;
    const cancelled = await tenax.runs.cancel(run.id);
    expect(cancelled.status).toBe("cancelled");
    expect(await awaited).toMatchObject({
      code: "run_cancelled",
      status: "cancelled",
      runId: run.id,
      message: `run ${run.id} of runs-app/waiter was cancelled`,
    });
    // Cancelling a run that has ended changes nothing.
    const done = await runOf(await sendOne("runs/count", { i: 99 }));
    await tenax.runs.result(counted, done.id);
    expect((await tenax.runs.cancel(done.id)).status).toBe("completed");
  });

  it("an event that started two runs needs a function; a function picks its run", async () => {
    const eventId = await sendOne("runs/fan");
    await expect(tenax.runs.result({ eventId })).rejects.toMatchObject({
      code: "invalid_function_id",
      message: expect.stringMatching(/started 2 runs \(runs-app\/fan-[ab], runs-app\/fan-[ab]\): pass `functionId`/),
    });
    const a = await tenax.runs.result(fanA, { eventId });
    expectTypeOf(a).toEqualTypeOf<{ from: "a" }>();
    expect(a).toEqual({ from: "a" });
    expect(await tenax.runs.result({ eventId, functionId: "fan-b" })).toEqual({ from: "b" });
    await expect(tenax.runs.result(processOrder, { eventId })).rejects.toMatchObject({
      code: "run_not_found",
      message: expect.stringContaining("started no run of runs-app/process-order: it started runs-app/fan-"),
    });
  });

  it("errors say what is wrong: an event id where a run id belongs, a missing signing key, a wrong URL", async () => {
    const eventId = await sendOne("runs/count", { i: 1 });
    const run = await runOf(eventId);
    await expect(tenax.runs.get(eventId)).rejects.toMatchObject({
      code: "run_not_found",
      message: expect.stringContaining(`${eventId} is an event id, not a run id: it started ${run.id} (runs-app/counted)`),
    });
    await expect(tenax.runs.get("not-a-uuid")).rejects.toMatchObject({
      code: "invalid_run_id",
      message: 'get run not-a-uuid: run_id: "not-a-uuid" is not a UUID',
    });
    const { ids } = await tenax.send({ id: `order-${Date.now()}`, name: "runs/count", data: { i: 3 } }); // a producer's own id
    await expect(tenax.runs.result(ids[0]!)).rejects.toMatchObject({
      code: "invalid_run_id",
      message: expect.stringContaining(`${ids[0]} is an event id, not a run id`),
    });
    const keyless = new Tenax({ id: "keyless", ingestUrl: stack.ingestUrl, eventKey: keys.TENAX_EVENT_KEY, signingKey: "", logger: quiet });
    await keyless.send({ name: "runs/count", data: { i: 2 } }); // the event key sends
    await expect(keyless.runs.get(run.id)).rejects.toMatchObject({ code: "unauthenticated", message: expect.stringContaining("signing key") });
    const wrongUrl = new Tenax({ id: "wrong", ingestUrl: stack.executorUrl, signingKey: keys.TENAX_SIGNING_KEY, logger: quiet });
    await expect(wrongUrl.runs.result(run.id)).rejects.toMatchObject({ code: "connect_failed", message: expect.stringContaining(stack.executorUrl) });
  });

  it("result outlives an ingest restart", async () => {
    const eventId = await sendOne("runs/wait", { key: "restart" });
    const run = await runOf(eventId);
    const statuses: string[] = [];
    const awaited = (async () => {
      for await (const { run: r } of tenax.runs.watch(run.id, { statusOnly: true })) statuses.push(r.status);
      return tenax.runs.result(waiter, run.id);
    })().catch((e: unknown) => e);
    await expect.poll(() => statuses.includes("waiting"), { timeout: 10_000 }).toBe(true);
    await stack.procs.get("ingest")!.kill("SIGKILL");
    await stack.start("ingest");
    await tenax.send({ name: "runs/go", data: { key: "restart" } });
    expect(await awaited).toEqual({ went: true });
    expect(statuses.at(-1)).toBe("completed");
    // Nothing repeated after the reconnect: no status twice in a row (a run may be running again
    // after its wait, so a status can come back later).
    expect(statuses.filter((s, i) => i > 0 && s === statuses[i - 1])).toEqual([]);
  });

  it("a plain sender program awaits a result and exits by itself", async () => {
    const script = `
      import { Tenax } from "@tenax/sdk";
      const tenax = new Tenax({ id: "script", ingestUrl: ${JSON.stringify(stack.ingestUrl)}, signingKey: ${JSON.stringify(keys.TENAX_SIGNING_KEY)} });
      const { ids } = await tenax.send({ name: "runs/order", data: { n: 3 } });
      const output = await tenax.runs.result({ eventId: ids[0] });
      console.log(JSON.stringify({ msg: "result", output }));`;
    const proc = startProcess("sender", ["--import", "tsx", "--input-type=module", "-e", script], {});
    const line = await proc.waitFor((l) => l.msg === "result");
    expect(line.output).toEqual({ charged: "ch_3", at: "1970-01-01T00:00:00.000Z" });
    expect(await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve("still running"), 5000))])).toBe(0);
  });
});
