import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { IngestService, type SendEventsRequest } from "@tenax/proto";
import { afterEach, describe, expect, it } from "vitest";
import { Tenax } from "../client/tenax.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** An ingest whose answers are scripted: each call gets the next error, then ids. */
async function ingest(failures: ConnectError[]) {
  const calls: SendEventsRequest[] = [];
  const routes = (router: ConnectRouter) =>
    router.service(IngestService, {
      async sendEvents(request) {
        calls.push(request);
        const failure = failures.shift();
        if (failure) throw failure;
        return { ids: request.events.map((e) => e.id) };
      },
    });
  const server = http2.createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => (sessions.add(s), s.on("close", () => sessions.delete(s))));
  close = async () => {
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

describe("tenax.send when the answer is lost", () => {
  it("resends a call whose outcome is unknown with the same event ids, so nothing is lost or doubled", async () => {
    const server = await ingest([new ConnectError("ingest is draining", Code.Unavailable), new ConnectError("deadline", Code.DeadlineExceeded)]);
    const tenax = new Tenax({ id: "shop", ingestUrl: server.url, logger: quiet });
    const { ids } = await tenax.send([{ name: "a" }, { name: "b", id: "mine" }]);
    expect(server.calls).toHaveLength(3);
    const sent = server.calls.map((c) => c.events.map((e) => e.id));
    expect(sent[1]).toEqual(sent[0]);
    expect(sent[2]).toEqual(sent[0]);
    expect(ids).toEqual(sent[0]);
    expect(ids[1]).toBe("mine");
  });

  it("does not resend a refusal, and gives up after a bounded number of tries", async () => {
    const refused = await ingest([new ConnectError("[invalid_event] events[0].name: is required", Code.InvalidArgument)]);
    const tenax = new Tenax({ id: "shop", ingestUrl: refused.url, logger: quiet });
    await expect(tenax.send({ name: "x" })).rejects.toMatchObject({ code: "send_failed", message: expect.stringContaining("invalid_event") });
    expect(refused.calls).toHaveLength(1);
    await close?.();
    const down = await ingest(Array.from({ length: 10 }, () => new ConnectError("down", Code.Unavailable)));
    const again = new Tenax({ id: "shop", ingestUrl: down.url, logger: quiet });
    await expect(again.send({ name: "x" })).rejects.toMatchObject({ code: "send_failed", message: expect.stringContaining("tried 5 times") });
    expect(down.calls).toHaveLength(5);
  });
});
