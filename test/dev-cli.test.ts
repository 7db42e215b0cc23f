import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { freePort } from "./setup/ports.js";
import { startProcess, type Proc } from "./setup/process.js";
import { createRunWaiter } from "./setup/stack.js";

// `tenax dev` on a fresh data directory: embedded Postgres, the three services, the example worker.
// Under the project like ./.tenax (a private mkdtemp dir would be unreadable to the postgres user).
const dataDir = join(process.cwd(), ".test-data", `dev-${process.pid}`);
mkdirSync(dataDir, { recursive: true, mode: 0o755 });
let dev: Proc;
let env: Record<string, string>;

beforeAll(async () => {
  const [pg, ingest, executor, scheduler] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  env = {
    DATABASE_URL: "",
    TENAX_DATA_DIR: dataDir,
    TENAX_DEV_PG_PORT: String(pg),
    TENAX_INGEST_LISTEN: `127.0.0.1:${ingest}`,
    TENAX_EXECUTOR_LISTEN: `127.0.0.1:${executor}`,
    TENAX_SCHEDULER_LISTEN: `127.0.0.1:${scheduler}`,
    TENAX_INGEST_URL: `http://127.0.0.1:${ingest}`,
  };
  dev = startProcess("tenax-dev", ["services/cli/bin.mjs", "dev"], env);
  await dev.waitFor((l) => l.msg === "Tenax dev is running", 90_000);
});
afterAll(async () => {
  await dev?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<string> {
  const p = startProcess(`tenax ${args[0]}`, ["services/cli/bin.mjs", ...args], env);
  const code = await p.exited;
  const out = p.lines.map((l) => (l.raw ? l.msg : JSON.stringify(l))).join("\n");
  if (code !== 0) throw new Error(`tenax ${args.join(" ")} exited ${code}: ${out}`);
  return out;
}

describe("tenax dev and the CLI", () => {
  it("sends an event with `tenax send`, and `tenax runs get` shows the finished run with its steps", async () => {
    const sent = JSON.parse(await cli("send", "demo/hello", "--data", '{"name":"Ada"}')) as { ids: string[] };
    const run = await createRunWaiter(env.TENAX_INGEST_URL!).runForEvent(sent.ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    const listed = await cli("runs", "list", "--function", "hello");
    expect(listed).toContain(run.id);
    const shown = JSON.parse((await cli("runs", "get", run.id)).split("\n").join("\n"));
    expect(shown.status).toBe("completed");
    expect(shown.output).toEqual({ greeting: "Hello, Ada!" });
    expect(shown.steps.map((s: { id: string }) => s.id)).toEqual(["pick-name", "greet"]);
    const lines = async (...args: string[]) => (await cli("runs", "watch", ...args)).split("\n").map((l) => JSON.parse(l));
    const watched = await lines(run.id);
    expect(watched.filter((l) => l.step).map((l) => l.step)).toEqual(["pick-name", "greet"]);
    expect(watched.at(-1)).toMatchObject({ run: run.id, status: "completed", output: { greeting: "Hello, Ada!" } });
    const statusOnly = await lines("--status-only", run.id);
    expect(statusOnly).toEqual([expect.objectContaining({ run: run.id, status: "completed" })]);
  });

  it("rejects bad input with a clear message", async () => {
    await expect(cli("send", "demo/hello", "--data", "{not json")).rejects.toThrow(/--data is not valid JSON/);
    await expect(cli("send", "tenax/function.failed")).rejects.toThrow(/reserved prefix/);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await dev.kill("SIGTERM")).toBe(0);
  });
});
