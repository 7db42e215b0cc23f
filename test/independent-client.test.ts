// Any gRPC or Connect client, in any language, can use Tenax: no generated code, no SDK.
// 1. @grpc/grpc-js with the .proto files loaded at runtime by @grpc/proto-loader.
// 2. Connect JSON over plain HTTP/1.1 with global fetch.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./setup/stack.js";

const protoDir = join(dirname(fileURLToPath(import.meta.url)), "..", "proto");
const counter = join(mkdtempSync(join(tmpdir(), "tenax-")), "effects.log");
const TERMINAL = ["RUN_STATUS_COMPLETED", "RUN_STATUS_FAILED", "RUN_STATUS_CANCELLED"];

// Shapes as produced by proto-loader with keepCase, longs: String, enums: String, defaults: true.
interface GrpcStep {
  id: string;
  user_id: string;
  status: string;
  output: Buffer;
  attempt: number;
  position: number;
}
interface GrpcRun {
  id: string;
  function_id: string;
  status: string;
  event_ids: string[];
  output: Buffer;
  created_at_ms: string;
  ended_at_ms: string;
  step_count: number;
}
type Unary<Req, Res> = (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void;
interface IngestClient extends grpc.Client {
  SendEvents: Unary<{ events: unknown[] }, { ids: string[] }>;
}
interface RunClient extends grpc.Client {
  ListRuns: Unary<{ event_id: string }, { runs: GrpcRun[]; next_page_token: string }>;
  GetRun: Unary<{ run_id: string }, { run: GrpcRun; steps: GrpcStep[] }>;
  WatchRun(req: { run_id: string }): grpc.ClientReadableStream<{ run: GrpcRun | null; step: GrpcStep | null }>;
}

const call = <Req, Res>(client: grpc.Client, fn: Unary<Req, Res>, req: Req) =>
  new Promise<Res>((resolve, reject) => fn.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));

/** Streams WatchRun with grpc-js until the run ends; fails if the stream ends first. */
function watchUntilEnd(client: RunClient, runId: string, timeoutMs = 45_000) {
  return new Promise<{ last: GrpcRun; statuses: string[] }>((resolve, reject) => {
    const stream = client.WatchRun({ run_id: runId });
    const statuses: string[] = [];
    let last: GrpcRun | undefined;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`WatchRun ${runId}: no end within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.cancel();
      if (err) reject(err);
      else resolve({ last: last!, statuses });
    };
    stream.on("data", (msg: { run: GrpcRun | null }) => {
      if (!msg.run) return;
      last = msg.run;
      statuses.push(msg.run.status);
      if (TERMINAL.includes(msg.run.status)) finish();
    });
    stream.on("error", (err: grpc.ServiceError) => finish(err));
    stream.on("end", () => finish(new Error(`WatchRun ${runId} ended before the run did (last ${last?.status})`)));
  });
}

/** google.protobuf.Struct in proto-loader's raw protobuf form. */
const struct = (obj: Record<string, number | string>) => ({
  fields: Object.fromEntries(
    Object.entries(obj).map(([k, v]) => (typeof v === "number" ? [k, { numberValue: v, kind: "numberValue" }] : [k, { stringValue: v, kind: "stringValue" }])),
  ),
});

const effectsOf = (runId: string) =>
  readFileSync(counter, "utf8")
    .split("\n")
    .filter((l) => l.startsWith(`${runId} `))
    .map((l) => l.split(" ")[1]);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack("independent_client");
  await stack.worker("basic.ts", { TENAX_COUNTER_FILE: counter });
});
afterAll(() => stack?.stop());

describe("an independent gRPC client (@grpc/grpc-js + proto-loader, no generated code)", () => {
  let ingest: IngestClient;
  let runs: RunClient;

  beforeAll(() => {
    const def = protoLoader.loadSync("tenax/v1/ingest.proto", {
      includeDirs: [protoDir],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      tenax: { v1: Record<"IngestService" | "RunService", grpc.ServiceClientConstructor> };
    };
    const target = new URL(stack.ingestUrl).host;
    const creds = grpc.credentials.createInsecure();
    ingest = new pkg.tenax.v1.IngestService(target, creds) as unknown as IngestClient;
    runs = new pkg.tenax.v1.RunService(target, creds) as unknown as RunClient;
  });
  afterAll(() => {
    ingest?.close();
    runs?.close();
  });

  it("sends an event, lists, watches and reads its run", async () => {
    const { ids } = await call(ingest, ingest.SendEvents, {
      events: [{ name: "test/three", data: struct({ n: 6 }) }],
    });
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/\S/);

    const listed = await call(runs, runs.ListRuns, { event_id: ids[0]! });
    expect(listed.runs).toHaveLength(1);
    const runId = listed.runs[0]!.id;
    expect(listed.runs[0]!.function_id).toBe("three-steps");
    expect(listed.runs[0]!.event_ids).toEqual([ids[0]]);

    const { last, statuses } = await watchUntilEnd(runs, runId);
    expect(last.id).toBe(runId);
    expect(last.status).toBe("RUN_STATUS_COMPLETED");
    expect(statuses.every((s) => s.startsWith("RUN_STATUS_"))).toBe(true);

    const { run, steps } = await call(runs, runs.GetRun, { run_id: runId });
    expect(run.id).toBe(runId);
    expect(run.status).toBe("RUN_STATUS_COMPLETED");
    expect(Buffer.isBuffer(run.output)).toBe(true);
    expect(JSON.parse(run.output.toString("utf8"))).toEqual({ a: { n: 7 }, b: 70, c: "70!" });
    expect(run.step_count).toBe(3);
    // int64 fields come back as decimal strings (longs: String).
    expect(Number(run.ended_at_ms)).toBeGreaterThanOrEqual(Number(run.created_at_ms));
    expect(Number(run.created_at_ms)).toBeGreaterThan(0);

    expect(steps.map((s) => s.user_id)).toEqual(["one", "two", "three"]);
    expect(steps.map((s) => s.status)).toEqual(Array(3).fill("STEP_STATUS_COMPLETED"));
    expect(steps.map((s) => JSON.parse(s.output.toString("utf8")))).toEqual([{ n: 7 }, 70, "70!"]);
    expect(steps.map((s) => s.position)).toEqual([0, 1, 2]);
    expect(new Set(steps.map((s) => s.id)).size).toBe(3);
    expect(effectsOf(runId)).toEqual(["one", "two", "three"]);
  });

  it("reports an unknown run with a gRPC status, not a crash", async () => {
    const err = await call(runs, runs.GetRun, { run_id: "00000000-0000-0000-0000-000000000000" }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err).toBeDefined();
    expect(err!.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe("Connect JSON over plain HTTP/1.1 (global fetch)", () => {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${stack.ingestUrl}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get("content-type"), json: text ? JSON.parse(text) : undefined };
  };
  const fromBase64Json = (b64: string) => JSON.parse(Buffer.from(b64, "base64").toString("utf8"));

  it("sends an event, lists and reads its run", async () => {
    const sent = await post("tenax.v1.IngestService/SendEvents", { events: [{ name: "test/three", data: { n: 9 } }] });
    expect(sent.status).toBe(200);
    expect(sent.contentType).toMatch(/^application\/json/);
    expect(sent.json.ids).toHaveLength(1);
    const eventId: string = sent.json.ids[0];

    const listed = await post("tenax.v1.RunService/ListRuns", { eventId });
    expect(listed.status).toBe(200);
    expect(listed.json.runs).toHaveLength(1);
    const runId: string = listed.json.runs[0].id;
    expect(listed.json.runs[0].functionId).toBe("three-steps");
    expect(listed.json.runs[0].eventIds).toEqual([eventId]);

    const ended = await stack.waitForRun(runId);
    expect(ended.id).toBe(runId);

    const got = await post("tenax.v1.RunService/GetRun", { runId });
    expect(got.status).toBe(200);
    const { run, steps } = got.json;
    expect(run.id).toBe(runId);
    expect(run.status).toBe("RUN_STATUS_COMPLETED");
    expect(fromBase64Json(run.output)).toEqual({ a: { n: 10 }, b: 100, c: "100!" });
    expect(run.stepCount).toBe(3);
    // Proto3 JSON: int64 as a string.
    expect(typeof run.createdAtMs).toBe("string");
    expect(Number(run.createdAtMs)).toBeGreaterThan(0);

    expect(steps.map((s: { userId: string }) => s.userId)).toEqual(["one", "two", "three"]);
    expect(steps.map((s: { status: string }) => s.status)).toEqual(Array(3).fill("STEP_STATUS_COMPLETED"));
    expect(steps.map((s: { output: string }) => fromBase64Json(s.output))).toEqual([{ n: 10 }, 100, "100!"]);
    expect(effectsOf(runId)).toEqual(["one", "two", "three"]);
  });

  it("rejects a bad event with a Connect JSON error naming the field", async () => {
    const res = await post("tenax.v1.IngestService/SendEvents", { events: [{ name: "" }] });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe("invalid_argument");
    expect(res.json.message).toMatch(/name/);
  });
});
