import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutorService, IngestService, RunService, RunStatus } from "@tenax/proto";
import { startProcess } from "./setup/process.js";
import { startStack, type Stack } from "./setup/stack.js";

const keys = { TENAX_EVENT_KEY: "event-key-123", TENAX_SIGNING_KEY: "signing-key-456" };
let stack: Stack;

beforeAll(async () => {
  stack = await startStack("auth", keys);
});
afterAll(() => stack?.stop());

function clients(baseUrl: string, key?: string) {
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: key ? [(next) => (req) => (req.header.set("authorization", `Bearer ${key}`), next(req))] : [],
  });
  return { ingest: createClient(IngestService, transport), runs: createClient(RunService, transport), executor: createClient(ExecutorService, transport) };
}

async function code(p: Promise<unknown>): Promise<Code | "ok"> {
  return p.then(
    () => "ok" as const,
    (e) => ConnectError.from(e).code,
  );
}

describe("keys", () => {
  it("SendEvents requires the event key (or the signing key)", async () => {
    const event = { events: [{ name: "auth/ping" }] };
    expect(await code(clients(stack.ingestUrl).ingest.sendEvents(event))).toBe(Code.Unauthenticated);
    expect(await code(clients(stack.ingestUrl, "wrong").ingest.sendEvents(event))).toBe(Code.Unauthenticated);
    expect(await code(clients(stack.ingestUrl, keys.TENAX_EVENT_KEY).ingest.sendEvents(event))).toBe("ok");
    expect(await code(clients(stack.ingestUrl, keys.TENAX_SIGNING_KEY).ingest.sendEvents(event))).toBe("ok");
  });

  it("the run API and internal RPCs require the signing key; the event key is not enough", async () => {
    expect(await code(clients(stack.ingestUrl, keys.TENAX_EVENT_KEY).runs.listRuns({}))).toBe(Code.Unauthenticated);
    expect(await code(clients(stack.ingestUrl, keys.TENAX_SIGNING_KEY).runs.listRuns({}))).toBe("ok");
    expect(await code(clients(stack.executorUrl).executor.listWorkers({}))).toBe(Code.Unauthenticated);
    expect(await code(clients(stack.executorUrl, keys.TENAX_SIGNING_KEY).executor.listWorkers({}))).toBe("ok");
  });

  it("a worker without the signing key is refused; with it, runs complete", async () => {
    const refused = startProcess("keyless-worker", ["--import", "tsx", "test/workers/basic.ts"], {
      TENAX_EXECUTOR_URL: stack.executorUrl,
      TENAX_SIGNING_KEY: "",
    });
    await refused.waitFor((l) => JSON.stringify(l).includes("unauthenticated"));
    refused.child.kill("SIGKILL");
    await stack.worker("basic.ts", { TENAX_SIGNING_KEY: keys.TENAX_SIGNING_KEY, TENAX_EVENT_KEY: keys.TENAX_EVENT_KEY });
    const { ids } = await clients(stack.ingestUrl, keys.TENAX_EVENT_KEY).ingest.sendEvents({ events: [{ name: "test/three", data: { n: 1 } }] });
    expect((await stack.runForEvent(ids[0]!)).status).toBe(RunStatus.COMPLETED);
  });
});
