// The physical floor, measured in the same run on the same Postgres: a single-row durable INSERT
// commit on one connection, and a ping-pong on one bidi gRPC stream over connect-node.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { OpCode, WorkerMessageSchema, WorkerService, type WorkerMessage } from "@tenax/proto";
import postgres from "postgres";
import { root } from "./harness.js";
import { startProcess } from "./proc.js";
import { hrMs, round, summarize } from "./stats.js";

export interface Floor {
  pg: { commits: number; p50Ms: number; p99Ms: number; commitsPerSec: number };
  bidi: { roundTrips: number; p50Ms: number; p99Ms: number; pingPongPerSec: number; pipelined: number; pipelinedMsgsPerSec: number };
}

export async function pgFloor(databaseUrl: string, commits: number): Promise<Floor["pg"]> {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe("drop database if exists bench_floor");
  await admin.unsafe("create database bench_floor");
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = "/bench_floor";
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await sql`create table floor_steps (
      id bigserial primary key, run_id uuid not null, step_id text not null,
      output jsonb not null, created_at timestamptz not null default now())`;
    const runId = randomUUID();
    const insert = (i: number) =>
      sql`insert into floor_steps (run_id, step_id, output) values (${runId}, ${`s${i}`}, ${sql.json({ i, ok: true, at: Date.now() })})`;
    for (let i = 0; i < 50; i++) await insert(i); // warm-up (prepared statement, caches)
    const lat: number[] = [];
    const t0 = hrMs();
    for (let i = 0; i < commits; i++) {
      const s = hrMs();
      await insert(i); // autocommit: one durable commit (fsync on, synchronous_commit on)
      lat.push(hrMs() - s);
    }
    const total = hrMs() - t0;
    const sum = summarize(lat);
    return { commits, p50Ms: sum.p50, p99Ms: sum.p99, commitsPerSec: round((commits / total) * 1000) };
  } finally {
    await sql.end();
  }
}

/** An async iterable fed by push(), for the request side of a bidi stream. */
function pushable<T>() {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let closed = false;
  return {
    push(v: T) {
      queue.push(v);
      wake?.();
    },
    close() {
      closed = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (queue.length) yield queue.shift()!;
        if (closed) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
}

export async function bidiFloor(roundTrips: number, pipelined: number): Promise<Floor["bidi"]> {
  const server = startProcess("floor-server", ["--import", "tsx", "bench/floor-server.ts"], {}, root);
  try {
    const { port } = await server.waitFor((l) => l.msg === "listening", 60_000);
    const client = createClient(WorkerService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}`, acceptCompression: [] }));
    const input = pushable<WorkerMessage>();
    const responses = client.connect(input)[Symbol.asyncIterator]();
    // A message shaped like a step result: ids plus a small JSON output.
    const runId = randomUUID();
    const msg = (i: number) =>
      create(WorkerMessageSchema, {
        kind: {
          case: "result",
          value: {
            requestId: `r${i}`,
            leaseId: randomUUID(),
            runId,
            ops: [
              {
                code: OpCode.STEP_RAN,
                stepId: "a".repeat(40),
                userId: `s${i}`,
                name: `s${i}`,
                data: new TextEncoder().encode(JSON.stringify({ i, ok: true })),
              },
            ],
          },
        },
      });
    const pingPong = async (i: number) => {
      input.push(msg(i));
      const r = await responses.next();
      if (r.done) throw new Error("floor server closed the stream");
    };
    for (let i = 0; i < 200; i++) await pingPong(i); // warm-up
    const lat: number[] = [];
    const t0 = hrMs();
    for (let i = 0; i < roundTrips; i++) {
      const s = hrMs();
      await pingPong(i);
      lat.push(hrMs() - s);
    }
    const total = hrMs() - t0;
    // Pipelined: up to 100 messages in flight on the one stream.
    const p0 = hrMs();
    let sent = 0;
    let received = 0;
    while (received < pipelined) {
      while (sent < pipelined && sent - received < 100) input.push(msg(sent++));
      const r = await responses.next();
      if (r.done) throw new Error("floor server closed the stream");
      received++;
    }
    const ptotal = hrMs() - p0;
    input.close();
    await responses.return?.();
    const sum = summarize(lat);
    return {
      roundTrips,
      p50Ms: sum.p50,
      p99Ms: sum.p99,
      pingPongPerSec: round((roundTrips / total) * 1000),
      pipelined,
      pipelinedMsgsPerSec: round((pipelined / ptotal) * 1000),
    };
  } finally {
    const t = setTimeout(() => server.child.kill("SIGKILL"), 3000);
    await server.kill("SIGTERM");
    clearTimeout(t);
  }
}
