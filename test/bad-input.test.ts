import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason } from "@tenax/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./setup/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("bad_input");
});
afterAll(() => stack?.stop());

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  const err = await p.then(
    () => null,
    (e) => ConnectError.from(e),
  );
  if (!err) throw new Error("expected the call to be rejected");
  return err;
}

/** The reasons an RPC error carries as ErrorInfo details (read without parsing the message). */
const reasons = (err: ConnectError) => err.findDetails(ErrorInfoSchema).map((d) => d.reason);

describe("bad input is rejected with INVALID_ARGUMENT naming what is wrong", () => {
  it("empty name", async () => {
    const err = await rejection(stack.ingest.sendEvents({ events: [{ name: "ok/one" }, { name: "" }] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("events[1].name");
    expect(reasons(err)).toEqual([ErrorReason.INVALID_EVENT]);
  });

  it("reserved prefix", async () => {
    const err = await rejection(stack.ingest.sendEvents({ events: [{ name: "tenax/function.failed" }] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/events\[0\]\.name.*reserved prefix "tenax\/"/);
    expect(reasons(err)).toEqual([ErrorReason.RESERVED_EVENT_NAME]);
  });

  it("oversized event", async () => {
    const err = await rejection(stack.ingest.sendEvents({ events: [{ name: "big/one", data: { s: "x".repeat(600 * 1024) } }] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toMatch(/events\[0\].*limit of 524288 bytes/);
    expect(reasons(err)).toEqual([ErrorReason.EVENT_TOO_LARGE]);
  });

  it("5001 events", async () => {
    const events = Array.from({ length: 5001 }, () => ({ name: "many/one" }));
    const err = await rejection(stack.ingest.sendEvents({ events }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.rawMessage).toContain("5001 events exceed the limit of 5000");
    expect(reasons(err)).toEqual([ErrorReason.TOO_MANY_EVENTS]);
  });

  it("WatchRuns: no ids, a malformed id, an unknown run", async () => {
    const drain = async (runIds: string[]) => {
      for await (const _ of stack.runs.watchRuns({ runIds })) {
        // no message is expected before the error
      }
    };
    const empty = await rejection(drain([]));
    expect(empty.code).toBe(Code.InvalidArgument);
    expect(empty.message).toMatch(/\[invalid_run_ids\] run_ids: at least one run id is required/);
    expect(reasons(empty)).toEqual([ErrorReason.INVALID_RUN_IDS]);
    const malformed = await rejection(drain([crypto.randomUUID(), "nope"]));
    expect(malformed.code).toBe(Code.InvalidArgument);
    expect(malformed.message).toMatch(/run_ids\[1\]: "nope" is not a run id/);
    expect(reasons(malformed)).toEqual([ErrorReason.INVALID_RUN_ID]);
    const unknown = crypto.randomUUID();
    const missing = await rejection(drain([unknown]));
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.message).toContain(`run ${unknown} not found`);
    expect(reasons(missing)).toEqual([ErrorReason.RUN_NOT_FOUND]);
  });

  it("malformed JSON over Connect, and the service keeps serving", async () => {
    const res = await fetch(`${stack.ingestUrl}/tenax.v1.IngestService/SendEvents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"events": [ {"name": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    const ok = await stack.ingest.sendEvents({ events: [{ name: "still/alive" }] });
    expect(ok.ids).toHaveLength(1);
  });
});
