import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason, RunStatus } from "@tenax/proto";
import { createEffectsLog } from "../../setup/effects.js";
import type { Proc } from "../../setup/process.js";
import { startStack, type Stack } from "../../setup/stack.js";
import { lone, nul } from "./functions.js";

// Values JSON.stringify can produce but Postgres text/jsonb cannot hold: each is stored and
// returned exactly, or fails once with a final error; no run is left running (issue 10).
const effects = createEffectsLog();
const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
let stack: Stack;
let worker: Proc;
beforeAll(async () => {
  stack = await startStack("values");
  worker = await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_COUNTER_FILE: effects.file });
});
afterAll(() => stack?.stop());

async function run(name: string, data: Record<string, string> = {}) {
  const { ids } = await stack.ingest.sendEvents({ events: [{ name, data }] });
  return stack.runForEvent(ids[0]!, 20_000);
}

describe("values Postgres cannot hold as text", () => {
  it("a step returning a NUL (in a value and a key) is stored and returned exactly", async () => {
    const r = await run("values/nul-output");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output)).toEqual({ v: { s: nul, [nul]: 1 }, same: true });
    const { steps } = await stack.runs.getRun({ runId: r.id });
    expect(json(steps[0]!.output)).toEqual({ s: nul, [nul]: 1 });
    expect(effects.of(r.id)).toEqual(["nul"]);
  });

  it("the lifecycle event of that run carries the value with NUL replaced (jsonb cannot hold it)", async () => {
    const line = await worker.waitFor((l) => l.msg === "finished-listener ran");
    const data = line.data as { result: { v: Record<string, unknown> } };
    expect(data.result.v.s).toBe("a\ufffdb");
  });

  it("a step returning a lone surrogate is stored and returned exactly", async () => {
    const r = await run("values/lone-output");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output)).toEqual({ v: lone, same: true });
    expect(effects.of(r.id)).toEqual(["lone"]);
  });

  it("a step error with a NUL fails the step once, with the character replaced and said so", async () => {
    const r = await run("values/nul-error");
    expect(r.status).toBe(RunStatus.COMPLETED);
    const caught = json(r.output).caught as string;
    expect(caught).toContain("bad\ufffdthing");
    expect(caught).toContain("unstorable_value");
    expect(effects.of(r.id)).toEqual(["throw"]);
  });

  it("a run error with a lone surrogate and a NUL fails the run once", async () => {
    const r = await run("values/nul-run-error");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(r.error!.message).toContain("bad\ufffdthing\ufffd");
    expect(effects.of(r.id)).toEqual(["body"]);
  });

  it("step.sendEvent with a NUL in the data fails the step with a final error naming the field", async () => {
    const r = await run("values/nul-send");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output).caught).toMatch(/invalid_event.*events\[0\]\.data\.s contains a NUL character/);
    // One prefix, and the reason as data on the stored step error.
    expect(json(r.output).caught).toMatch(/^\[invalid_event\] step "send": events\[0\]/);
    expect(json(r.output).caught.match(/\[invalid_event\]/g)).toHaveLength(1);
    const { steps } = await stack.runs.getRun({ runId: r.id });
    expect(steps[0]!.error).toMatchObject({ name: "StepError", reason: ErrorReason.INVALID_EVENT });
  });

  it("step.invoke with a NUL in the data fails the step with a final error naming the field", async () => {
    const r = await run("values/nul-invoke");
    expect(r.status).toBe(RunStatus.COMPLETED);
    expect(json(r.output).caught).toMatch(/invalid_invoke_data.*data\.s contains a NUL character/);
    const { steps } = await stack.runs.getRun({ runId: r.id });
    expect(steps[0]!.error!.reason).toBe(ErrorReason.INVALID_INVOKE_DATA);
  });

  it("a step id with a NUL fails the run with a final error", async () => {
    const r = await run("values/nul-step-id");
    expect(r.status).toBe(RunStatus.FAILED);
    expect(r.error!.message).toMatch(/unstorable_value/);
    expect(r.error!.reason).toBe(ErrorReason.UNSTORABLE_VALUE);
  });

  it("SendEvents rejects a NUL in data, user, name or id with INVALID_ARGUMENT naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: "values/x", data: { deep: [{ s: nul }] } }, /events\[0\]\.data\.deep\[0\]\.s contains a NUL/],
      [{ name: "values/x", user: { [nul]: 1 } }, /events\[0\]\.user key .* contains a NUL/],
      [{ name: `values/${nul}` }, /events\[0\]\.name contains a NUL/],
      [{ name: "values/x", id: `id${nul}` }, /events\[0\]\.id contains a NUL/],
    ];
    for (const [event, message] of cases) {
      const err = await stack.ingest.sendEvents({ events: [event as never] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).message).toMatch(message);
      expect((err as ConnectError).findDetails(ErrorInfoSchema).map((d) => d.reason)).toEqual([ErrorReason.INVALID_EVENT]);
    }
    // The service stays up and accepts the next good event.
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "values/x", data: {} }] });
    expect(ids).toHaveLength(1);
  });
});
