import type { MessageInitShape } from "@bufbuild/protobuf";
import { OpCode, type MemoEntrySchema } from "@tenax/proto";
import { afterEach, describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";
import { silent, text } from "../internal-testing/execute-handler.js";
import { startFakeServer, type FakeConnection, type FakeServer } from "../internal-testing/fake-executor.js";
import type { Worker } from "./types.js";

type MemoInit = MessageInitShape<typeof MemoEntrySchema>[];

let server: FakeServer | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.close({ timeoutMs: 1000 });
  await server?.close();
  worker = undefined;
  server = undefined;
});

/** Sends one request of run-1 and returns its result's only op, memoizing a STEP_RAN into `memo`. */
async function request(conn: FakeConnection, requestId: string, leaseId: string, memo: MemoInit, memoOffset: number) {
  conn.send({
    case: "execute",
    value: {
      requestId,
      leaseId,
      runId: "run-1",
      appId: "shop",
      functionId: "fn",
      functionVersion: 1,
      maxAttempts: 5,
      event: { event: { id: "e1", name: "order/created", data: {}, ts: 5n } },
      memo: memo.slice(memoOffset),
      memoOffset,
    },
  });
  const result = await conn.take("result");
  conn.send({ case: "resultAck", value: { requestId, accepted: true } });
  const [op] = result.ops;
  if (op.code === OpCode.STEP_RAN) memo.push({ stepId: op.stepId, result: { case: "data", value: op.data } });
  return op;
}

describe("worker: warm continuation over the stream", () => {
  it("continues a run's handler across requests; a new stream replays it", async () => {
    server = await startFakeServer();
    const outside: string[] = [];
    const tenax = new Tenax({ id: "shop", executorUrl: server.url, logger: silent });
    const fn = tenax.createFunction({ id: "fn" }, { event: "order/created" }, async ({ step }) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) {
        outside.push(`top ${i}`);
        out.push(await step.run(`s${i}`, () => i));
      }
      return out;
    });
    worker = await tenax.connect({ functions: [fn] });
    const conn = await server.nextConnection();
    const memo: MemoInit = [];

    // As the executor: the first continuation is whole (memo_offset 0), later ones deltas.
    expect(await request(conn, "r0", "l1", memo, 0)).toMatchObject({ code: OpCode.STEP_RAN, userId: "s0" });
    expect(await request(conn, "r1", "l1", memo, 0)).toMatchObject({ code: OpCode.STEP_RAN, userId: "s1" });
    expect(outside).toEqual(["top 0", "top 1"]);

    // The stream ends with the run suspended: the redelivery on the next stream replays.
    conn.end();
    const next = await server.nextConnection();
    await next.take("hello");
    expect(await request(next, "r2", "l2", memo, 0)).toMatchObject({ code: OpCode.STEP_RAN, userId: "s2" });
    expect(outside).toEqual(["top 0", "top 1", "top 0", "top 1", "top 2"]);
    const done = await request(next, "r3", "l2", memo, 2);
    expect(done.code).toBe(OpCode.RUN_COMPLETE);
    expect(JSON.parse(text(done.data))).toEqual([0, 1, 2]);
    expect(outside).toHaveLength(5);
  });
});
