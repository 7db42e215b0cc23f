import { ConnectError } from "@connectrpc/connect";
import { createDatabase } from "@tenax/state";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./setup/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack("shutdown");
});
afterAll(() => stack?.stop());

describe("stopping ingest (SIGTERM)", () => {
  it("answers every SendEvents it committed: an event is stored if and only if its sender got its id", async () => {
    // Independent producers, one event per call, each with its own id; SIGTERM once some are
    // answered, so that many are in flight (ingest takes about a second for 300 calls here).
    const ids = Array.from({ length: 300 }, (_, i) => `shutdown-${i}`);
    let answered = 0;
    let stopping: Promise<number | null> | undefined;
    const outcomes = await Promise.all(
      ids.map((id) =>
        stack.ingest.sendEvents({ events: [{ id, name: "shutdown/ping" }] }).then(
          () => {
            if (++answered === 20) stopping = stack.procs.get("ingest")!.kill("SIGTERM");
            return "answered" as const;
          },
          (err: unknown) => ConnectError.from(err).code,
        ),
      ),
    );
    expect(await stopping).toBe(0); // drained and exited by itself
    const got = new Set(ids.filter((_, i) => outcomes[i] === "answered"));
    const db = createDatabase(stack.databaseUrl, { max: 1 });
    try {
      const rows = await db.sql`select id from events where name = 'shutdown/ping'`;
      const stored = new Set(rows.map((r) => r.id as string));
      // Nothing committed without an answer (the sender would resend and, without ids, double it).
      expect([...stored].filter((id) => !got.has(id))).toEqual([]);
      expect([...got].filter((id) => !stored.has(id))).toEqual([]);
      expect(got.size).toBeGreaterThanOrEqual(20);
    } finally {
      await db.close();
    }
  });
});
