import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions } from "@connectrpc/connect";
import {
  ErrorInfoSchema,
  ErrorReason,
  RunSchema,
  RunStatus as P,
  StepRecordSchema,
  StepStatus,
  WatchRunResponseSchema,
  type ListRunsRequest,
  type Run as ProtoRun,
} from "@tenax/proto";
import { describe, expect, expectTypeOf, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import { isRunFailedError } from "../errors/guards.js";
import { RunFailedError } from "../errors/run-failed-error.js";
import { serializeError } from "../errors/serialize.js";
import { StepError } from "../errors/step-error.js";
import type { RunApi } from "./run-api.js";
import type { RunPage } from "./list-runs.js";
import { createRunsClient } from "./runs-client.js";

type RunInit = MessageInitShape<typeof RunSchema>;
type WatchInit = MessageInitShape<typeof WatchRunResponseSchema>;
/** One WatchRun stream: its messages, then how it ends ("hang": until cancelled). */
type Stream = { messages: WatchInit[]; end?: Error | "hang" };

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const notFound = (runId: string) =>
  new ConnectError(`[run_not_found] run ${runId} does not exist`, Code.NotFound, undefined, [
    { desc: ErrorInfoSchema, value: { reason: ErrorReason.RUN_NOT_FOUND, message: "x" } },
  ]);

/** An in-memory RunService: runs, scripted WatchRun streams, every call it got, and the watches it saw cancelled. */
function fakeApi(initial: RunInit[] = [], streams: Stream[] = []) {
  const runs: ProtoRun[] = initial.map((r) => create(RunSchema, { appId: "shop", createdAtMs: 1n, ...r }));
  const calls: { method: string; request: unknown; options: CallOptions | undefined }[] = [];
  const cancelled: string[] = [];
  const find = (runId: string) => {
    const run = runs.find((r) => r.id === runId);
    if (!run) throw notFound(runId);
    return run;
  };
  const api = {
    async getRun(request: { runId: string }, options?: CallOptions) {
      calls.push({ method: "getRun", request, options });
      return { run: find(request.runId), steps: [create(StepRecordSchema, { userId: "a", status: StepStatus.COMPLETED, output: json(1), endedAtMs: 2n })] };
    },
    async listRuns(request: Partial<ListRunsRequest>, options?: CallOptions) {
      calls.push({ method: "listRuns", request, options });
      const matching = runs.filter(
        (r) =>
          (!request.eventId || r.eventIds.includes(request.eventId)) &&
          (!request.functionId || r.functionId === request.functionId) &&
          (!request.appId || r.appId === request.appId) &&
          (!request.status || r.status === request.status),
      );
      const start = Number(request.pageToken || 0);
      const size = request.pageSize || 50;
      const next = start + size < matching.length ? String(start + size) : "";
      return { runs: matching.slice(start, start + size), nextPageToken: next };
    },
    watchRun(request: { runId: string; statusOnly?: boolean }, options?: CallOptions) {
      calls.push({ method: "watchRun", request, options });
      const script = streams.shift();
      const signal = options!.signal!;
      signal.addEventListener("abort", () => cancelled.push(request.runId), { once: true });
      return (async function* () {
        find(request.runId);
        if (!script) throw new Error("no scripted stream left");
        for (const message of script.messages) yield create(WatchRunResponseSchema, message);
        if (script.end === "hang") {
          await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          throw new ConnectError("cancelled", Code.Canceled);
        }
        if (script.end) throw script.end;
      })();
    },
    async cancelRun(request: { runId: string }, options?: CallOptions) {
      calls.push({ method: "cancelRun", request, options });
      const run = find(request.runId);
      if (run.status < P.COMPLETED) run.status = P.CANCELLED;
      return { run };
    },
  };
  return { api: api as unknown as RunApi, calls, cancelled, runs };
}

const client = (fake: ReturnType<typeof fakeApi>, signingKey: string | undefined = "sk") =>
  createRunsClient({ ingestUrl: "http://ingest", signingKey, api: fake.api });
const run = (id: string, status: P, more: RunInit = {}): RunInit => ({
  id,
  appId: "shop",
  functionId: "process-order",
  eventIds: [`e-${id}`],
  status,
  ...more,
});

describe("runs.get / cancel", () => {
  it("reads a run with its steps, sending the signing key", async () => {
    const fake = fakeApi([run("r1", P.COMPLETED, { output: json({ ok: true }) })]);
    const details = await client(fake).get("r1");
    expect(details).toMatchObject({ id: "r1", status: "completed", output: { ok: true }, steps: [{ stepId: "a", output: 1 }] });
    expect(fake.calls[0]!.options?.headers).toEqual({ authorization: "Bearer sk" });
  });

  it("says when a missing run id is an event id, and which runs it started", async () => {
    const fake = fakeApi([run("r1", P.RUNNING, { eventIds: ["e1"] })]);
    await expect(client(fake).get("e1")).rejects.toMatchObject({
      code: "run_not_found",
      message: expect.stringMatching(/e1 is an event id, not a run id: it started r1 \(shop\/process-order\)/),
    });
    await expect(client(fake).get("nope")).rejects.toMatchObject({ code: "run_not_found", message: "get run nope: run nope does not exist" });
  });

  it("cancels, and reports a run that had already ended as it is", async () => {
    const fake = fakeApi([run("r1", P.SLEEPING), run("r2", P.COMPLETED)]);
    expect((await client(fake).cancel("r1")).status).toBe("cancelled");
    expect((await client(fake).cancel("r2")).status).toBe("completed");
  });
});

describe("runs.list", () => {
  it("yields pages lazily, with the filters, until the last page", async () => {
    const fake = fakeApi(Array.from({ length: 5 }, (_, i) => run(`r${i}`, P.COMPLETED)));
    const pages: RunPage[] = [];
    for await (const page of client(fake).list({ functionId: "process-order", status: "completed", pageSize: 2 })) pages.push(page);
    expect(pages.map((p) => p.runs.map((r) => r.id))).toEqual([["r0", "r1"], ["r2", "r3"], ["r4"]]);
    expect(pages.map((p) => p.nextPageToken)).toEqual(["2", "4", undefined]);
    expect(fake.calls[0]!.request).toMatchObject({ functionId: "process-order", status: P.COMPLETED, pageSize: 2, pageToken: "" });
    fake.calls.length = 0;
    for await (const page of client(fake).list({ pageSize: 2, pageToken: "2" })) {
      expect(page.runs.map((r) => r.id)).toEqual(["r2", "r3"]);
      break; // no further page is fetched
    }
    expect(fake.calls).toHaveLength(1);
  });

  it("checks the options before asking", async () => {
    const fake = fakeApi();
    expect(() => client(fake).list({ status: "done" as never })).toThrowError(/status "done" is not one of queued, running/);
    expect(() => client(fake).list({ pageSize: 501 })).toThrowError(expect.objectContaining({ code: "invalid_page_size" }));
    expect(fake.calls).toHaveLength(0);
  });
});

describe("runs.watch", () => {
  const at = (status: P, step?: { userId: string; position: number }): WatchInit => ({
    run: run("r1", status),
    ...(step ? { step: { ...step, status: StepStatus.COMPLETED, output: json(step.position) } } : {}),
  });

  it("yields each step and status change until the run ends", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [{ messages: [at(P.QUEUED), at(P.RUNNING, { userId: "a", position: 0 }), at(P.COMPLETED)] }]);
    const updates = [];
    for await (const u of client(fake).watch("r1")) updates.push(`${u.run.status}${u.step ? ` ${u.step.stepId}` : ""}`);
    expect(updates).toEqual(["queued", "running a", "completed"]);
    expect(fake.calls[0]!.request).toEqual({ runId: "r1", statusOnly: false });
  });

  it("keeps the steps that arrive with the final status, until the stream ends", async () => {
    // The server read the run as completed before the steps it then sends: all of them come.
    const fake = fakeApi(
      [run("r1", P.RUNNING)],
      [
        {
          messages: [at(P.RUNNING, { userId: "a", position: 0 }), at(P.COMPLETED, { userId: "b", position: 1 }), at(P.COMPLETED, { userId: "c", position: 2 })],
        },
      ],
    );
    const updates = [];
    for await (const u of client(fake).watch("r1")) updates.push(`${u.run.status}${u.step ? ` ${u.step.stepId}` : ""}`);
    expect(updates).toEqual(["running a", "completed b", "completed c"]);
    expect(fake.calls).toHaveLength(1);
  });

  it("cancels the stream when the loop breaks", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [{ messages: [at(P.RUNNING)], end: "hang" }]);
    for await (const u of client(fake).watch("r1")) {
      expect(u.run.status).toBe("running");
      break;
    }
    await expect.poll(() => fake.cancelled).toEqual(["r1"]);
  });

  it("gets a lost stream back without repeating what it delivered", async () => {
    const lost = new ConnectError("stream reset", Code.Unavailable);
    const fake = fakeApi(
      [run("r1", P.RUNNING)],
      [
        { messages: [at(P.RUNNING, { userId: "a", position: 0 })], end: lost },
        // The new stream starts with every stored step again; "a" is skipped, the status change kept.
        { messages: [at(P.SLEEPING, { userId: "a", position: 0 })], end: lost },
        { messages: [at(P.SLEEPING, { userId: "a", position: 0 }), at(P.COMPLETED, { userId: "b", position: 1 })] },
      ],
    );
    const updates = [];
    for await (const u of client(fake).watch("r1")) updates.push(`${u.run.status}${u.step ? ` ${u.step.stepId}` : ""}`);
    expect(updates).toEqual(["running a", "sleeping", "completed b"]);
  });

  it("fails at once when the first stream fails, or with an error that is final", async () => {
    const refused = fakeApi([run("r1", P.RUNNING)], [{ messages: [], end: new ConnectError("connect ECONNREFUSED", Code.Unavailable) }]);
    await expect(drain(client(refused).watch("r1"))).rejects.toMatchObject({ code: "connect_failed" });
    const denied = fakeApi([run("r1", P.RUNNING)], [{ messages: [at(P.RUNNING)], end: new ConnectError("no", Code.PermissionDenied) }]);
    await expect(drain(client(denied).watch("r1"))).rejects.toMatchObject({ code: "internal" });
    await expect(drain(client(fakeApi()).watch("r9"))).rejects.toMatchObject({ code: "run_not_found" });
  });

  it("stops with the signal's reason", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [{ messages: [at(P.RUNNING)], end: "hang" }]);
    const controller = new AbortController();
    const watching = drain(client(fake).watch("r1", { signal: controller.signal }));
    await expect.poll(() => fake.calls.length).toBe(1);
    controller.abort(new Error("enough"));
    await expect(watching).rejects.toThrow("enough");
    expect(fake.cancelled).toEqual(["r1"]);
  });
});

describe("runs.result", () => {
  const ended = (status: P, more: RunInit = {}): Stream => ({ messages: [{ run: run("r1", P.RUNNING) }, { run: run("r1", status, more) }] });

  it("resolves with the output once the run completed (status-only watch)", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [ended(P.COMPLETED, { output: json({ charged: "ch_1" }) })]);
    expect(await client(fake).result("r1")).toEqual({ charged: "ch_1" });
    expect(fake.calls[0]!.request).toEqual({ runId: "r1", statusOnly: true });
  });

  it("rejects with a RunFailedError whose cause is the run's error, with its chain", async () => {
    const error = serializeError(new StepError("card declined", { stepId: "charge", cause: new RangeError("402") }));
    const fake = fakeApi([run("r1", P.RUNNING)], [ended(P.FAILED, { error })]);
    const err = await client(fake)
      .result("r1")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFailedError);
    expect(isRunFailedError(err)).toBe(true);
    expect(err).toMatchObject({
      code: "run_failed",
      status: "failed",
      runId: "r1",
      functionId: "process-order",
      appId: "shop",
      message: "run r1 of shop/process-order failed: card declined",
      cause: { name: "StepError", stepId: "charge", cause: { name: "RangeError", message: "402" } },
    });
  });

  it("rejects a cancelled run with run_cancelled", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [ended(P.CANCELLED)]);
    await expect(client(fake).result("r1")).rejects.toMatchObject({
      code: "run_cancelled",
      status: "cancelled",
      message: "run r1 of shop/process-order was cancelled",
    });
  });

  it("finds the run an event started; several need a function id, naming them", async () => {
    const runs = [run("r1", P.RUNNING, { eventIds: ["e"] }), run("r2", P.RUNNING, { eventIds: ["e"], functionId: "notify" })];
    const fake = fakeApi(runs, [ended(P.COMPLETED, { output: json(7) })]);
    await expect(client(fake).result({ eventId: "e" })).rejects.toMatchObject({
      code: "invalid_function_id",
      message: expect.stringContaining("started 2 runs (shop/process-order, shop/notify): pass `functionId`"),
    });
    expect(await client(fake).result({ eventId: "e", functionId: "process-order" })).toBe(7);
    await expect(client(fake).result({ eventId: "e", functionId: "refund" })).rejects.toMatchObject({
      code: "run_not_found",
      message: 'event "e" started no run of refund: it started shop/process-order, shop/notify',
    });
    await expect(client(fake).result({ eventId: "nothing" })).rejects.toMatchObject({
      code: "run_not_found",
      message: expect.stringContaining("started no run"),
    });
  });

  it("with a function: picks its run, checks a run id is one of its runs, and types the output", async () => {
    const tenax = new Tenax({ id: "shop", logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const processOrder = tenax.createFunction({ id: "process-order" }, { event: "order/created" }, async () => ({ charged: "ch_1", at: new Date(0) }));
    const other = tenax.createFunction({ id: "notify" }, { event: "order/created" }, async () => 1);
    const runs = [run("r1", P.RUNNING, { eventIds: ["e"] }), run("r2", P.RUNNING, { eventIds: ["e"], functionId: "notify" })];
    const fake = fakeApi(runs, [ended(P.COMPLETED, { output: json({ charged: "ch_1", at: "1970-01-01T00:00:00.000Z" }) }), ended(P.COMPLETED)]);
    const output = await client(fake).result(processOrder, { eventId: "e" });
    expectTypeOf(output).toEqualTypeOf<{ charged: string; at: string }>();
    expect(output).toEqual({ charged: "ch_1", at: "1970-01-01T00:00:00.000Z" });
    await expect(client(fake).result(other, "r1")).rejects.toMatchObject({
      code: "invalid_function_id",
      message: "run r1 is a run of shop/process-order, not of shop/notify",
    });
    // Type-level only: these are never called.
    const typed = client(fake);
    expectTypeOf(() => typed.result<number>("r1")).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(() => typed.result("r1")).returns.toEqualTypeOf<Promise<unknown>>();
    // @ts-expect-error: the function already names the function id
    expectTypeOf(() => typed.result(processOrder, { eventId: "e", functionId: "x" })).toBeFunction();
  });

  it("stops waiting with the signal's reason", async () => {
    const fake = fakeApi([run("r1", P.RUNNING)], [{ messages: [{ run: run("r1", P.RUNNING) }], end: "hang" }]);
    await expect(client(fake).result("r1", { signal: AbortSignal.timeout(20) })).rejects.toMatchObject({ name: "TimeoutError" });
    expect(fake.cancelled).toEqual(["r1"]);
  });
});

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
