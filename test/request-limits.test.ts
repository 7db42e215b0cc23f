import * as http from "node:http";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "./setup/stack.js";

// Refusals that must not cost the server a body: a missing key, a body over the method's limit,
// a compressed body that would inflate past it.
const keys = { TENAX_EVENT_KEY: "event-key-limits", TENAX_SIGNING_KEY: "signing-key-limits" };
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("request_limits", keys);
});
afterAll(() => stack?.stop());

interface Answer {
  status: number;
  body: { code?: string; message?: string };
}

/**
 * An HTTP/1.1 Connect call; `declared` is the Content-Length sent, `body` what is actually
 * written (less than declared: the server must answer without waiting for the rest).
 */
function call(path: string, opts: { headers?: Record<string, string>; body?: Buffer; declared?: number; chunked?: boolean }): Promise<Answer> {
  const url = new URL(path, stack.ingestUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
    if (!opts.chunked) headers["content-length"] = String(opts.declared ?? opts.body?.length ?? 0);
    // A connection of its own per call: a refused body leaves its connection unusable.
    const req = http.request(url, { method: "POST", headers, agent: false, signal: AbortSignal.timeout(20_000) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") }));
    });
    req.on("error", reject);
    req.flushHeaders();
    if (opts.body) req.write(opts.body);
    if (opts.declared === undefined) req.end(); // else: the rest of the body never comes
  });
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("requests refused before their body is read", () => {
  it("a call without its key is refused from its headers: a 10 MB body that never comes is not waited for", async () => {
    const answer = await call("/tenax.v1.IngestService/SendEvents", { declared: 10_000_000 });
    expect(answer).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
    expect(answer.body.message).toContain('tenax.v1.IngestService/SendEvents requires a valid key in "authorization: Bearer <key>"');
    const wrong = await call("/tenax.v1.RunService/ListRuns", { declared: 500, headers: bearer(keys.TENAX_EVENT_KEY) });
    expect(wrong).toMatchObject({ status: 401, body: { code: "unauthenticated" } });
  });

  it("a body declared over its service's limit is refused at once, naming the limit", async () => {
    const answer = await call("/tenax.v1.RunService/ListRuns", { declared: 2 * 1024 * 1024, headers: bearer(keys.TENAX_SIGNING_KEY) });
    expect(answer.body.code).toBe("resource_exhausted");
    expect(answer.body.message).toMatch(
      /\[request_too_large\] tenax\.v1\.RunService\/ListRuns: a request body of 2097152 bytes exceeds the limit of 1048576 bytes/,
    );
  });

  it("a body sent without a length is cut off at its service's limit", async () => {
    const body = Buffer.from(JSON.stringify({ functionId: "x".repeat(2 * 1024 * 1024) }));
    const answer = await call("/tenax.v1.RunService/ListRuns", { body, chunked: true, headers: bearer(keys.TENAX_SIGNING_KEY) });
    expect(answer.body.code).toBe("resource_exhausted");
  });

  it("a small gzip body that would inflate past the limit is refused while inflating", async () => {
    // 24 MiB of JSON in about 24 KiB of gzip: over SendEvents' 20 MiB, under the transport's 64 MiB.
    const json = Buffer.from(JSON.stringify({ events: [{ name: "limits/bomb", data: { s: " ".repeat(24 * 1024 * 1024) } }] }));
    const body = gzipSync(json);
    expect(body.length).toBeLessThan(100_000);
    const answer = await call("/tenax.v1.IngestService/SendEvents", { body, headers: { ...bearer(keys.TENAX_EVENT_KEY), "content-encoding": "gzip" } });
    expect(answer.body.code).toBe("resource_exhausted");
    expect(answer.body.message).toMatch(/larger than configured readMaxBytes 20971520 after decompression/);
  });

  it("the service is unharmed: with the key, a call is answered and a run completes", async () => {
    await stack.worker("basic.ts", { TENAX_SIGNING_KEY: keys.TENAX_SIGNING_KEY, TENAX_EVENT_KEY: keys.TENAX_EVENT_KEY });
    const body = Buffer.from(JSON.stringify({ events: [{ name: "test/three", data: { n: 2 } }] }));
    const sent = await call("/tenax.v1.IngestService/SendEvents", { body, headers: bearer(keys.TENAX_EVENT_KEY) });
    expect(sent.status).toBe(200);
    const ids = (sent.body as { ids?: string[] }).ids!;
    expect((await stack.runForEvent(ids[0]!)).status).toBe(RunStatus.COMPLETED);
  });
});
