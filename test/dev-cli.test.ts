import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { freePort } from "./setup/ports.js";
import { startProcess, type LogLine, type Proc } from "./setup/process.js";
import { createRunWaiter } from "./setup/stack.js";

// `tenax dev` on a fresh data directory: embedded Postgres, the three services, the example worker;
// and the CLI against it. Under the project like ./.tenax (a private mkdtemp dir would be
// unreadable to the postgres user).
const dataDir = join(process.cwd(), ".test-data", `dev-${process.pid}`);
const pgDir = join(dataDir, "pg");
mkdirSync(dataDir, { recursive: true, mode: 0o755 });
let dev: Proc;
let env: Record<string, string>;

/** `tenax dev` in its own process group, as a terminal runs it (Ctrl-C signals the group). */
const startDev = (name: string) => startProcess(name, ["services/cli/bin.mjs", "dev"], env, undefined, { detached: true });
const isRunningLine = (l: LogLine) => l.msg === "Tenax dev is running";

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
  dev = startDev("tenax-dev");
  await dev.waitFor(isRunningLine, 90_000);
});
afterAll(async () => {
  await dev?.kill("SIGKILL");
  // A Postgres a failed test left behind (it runs in its own process group).
  const pid = postmasterPid();
  if (pid && isRunning(pid)) process.kill(pid, "SIGQUIT");
  rmSync(dataDir, { recursive: true, force: true });
});

function postmasterPid(): number | undefined {
  const file = join(pgDir, "postmaster.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8").split("\n")[0]) : undefined;
}

/** Whether a process runs (a zombie does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tenax <args>` to its end, stdout and stderr apart; `input` goes to its stdin. */
function tenax(args: string[], input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, ["services/cli/bin.mjs", ...args], {
    env: { ...process.env, ...env },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** Runs `tenax <args>` and returns its stdout; anything but exit code 0 fails the test. */
async function cli(...args: string[]): Promise<string> {
  const r = await tenax(args);
  if (r.code !== 0) throw new Error(`tenax ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout.trimEnd();
}

const sendEvent = async (name: string, data: unknown) => (JSON.parse(await cli("send", name, "--data", JSON.stringify(data))) as { ids: string[] }).ids[0]!;

describe("tenax dev and the CLI", () => {
  it("sends an event with `tenax send`, and `tenax runs get` shows the finished run with its steps", async () => {
    const eventId = await sendEvent("demo/hello", { name: "Ada" });
    const run = await createRunWaiter(env.TENAX_INGEST_URL!).runForEvent(eventId);
    expect(run.status).toBe(RunStatus.COMPLETED);
    const listed = await cli("runs", "list", "--function", "hello");
    expect(listed).toContain(run.id);
    const shown = JSON.parse(await cli("runs", "get", run.id));
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

  it("prints one line when a run starts and one when it ends", async () => {
    const eventId = await sendEvent("demo/hello", { name: "Lines" });
    const run = await createRunWaiter(env.TENAX_INGEST_URL!).runForEvent(eventId);
    const ended = await dev.waitFor((l) => !!l.raw && String(l.msg).startsWith(`run completed  ${run.id}  examples/hello`));
    expect(ended.msg).toMatch(/\(\d+(\.\d)? (ms|s)\)$/);
    const mentions = dev.lines.filter((l) => l.raw && String(l.msg).includes(run.id)).map((l) => String(l.msg).split(/\s+/)[1]);
    expect(mentions).toEqual(["started", "completed"]);
    // One "worker connected" line per connection: the executor's (the example worker logs warnings only).
    expect(dev.lines.filter((l) => l.msg === "worker connected")).toHaveLength(1);
  });

  it("takes an event id where a run id is expected, and says which runs the event started", async () => {
    const eventId = await sendEvent("demo/hello", { name: "Event" });
    const run = await createRunWaiter(env.TENAX_INGEST_URL!).runForEvent(eventId);
    const got = await tenaxOk(["runs", "get", eventId]);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: run.id, status: "completed", output: { greeting: "Hello, Event!" } });
    expect(got.stderr).toBe(`event ${eventId} started run ${run.id} (examples/hello)\n`);
    const watched = await tenaxOk(["runs", "watch", eventId, "--status-only"]);
    expect(JSON.parse(watched.stdout)).toMatchObject({ run: run.id, status: "completed" });

    // order/created over 100 starts two functions: the id is ambiguous, and the error lists both runs.
    const orderEvent = await sendEvent("order/created", { amount: 500 });
    const twice = await tenax(["runs", "get", orderEvent]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(new RegExp(`event ${orderEvent} started 2 runs; give one of their ids:\\n`));
    expect(twice.stderr).toMatch(/examples\/process-order/);
    expect(twice.stderr).toMatch(/examples\/big-spender/);
    const listed = JSON.parse(await cli("runs", "list", "--event", orderEvent, "--json")) as Array<{ function: string; eventIds: string[] }>;
    expect(listed.map((r) => r.function).sort()).toEqual(["examples/big-spender", "examples/process-order"]);
    expect(listed.every((r) => r.eventIds.includes(orderEvent))).toBe(true);

    const unknown = await tenax(["runs", "get", "no-such-id"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no run has the id "no-such-id", and no event with that id started a run/);
  });

  it("reads --data from a file (past the shell's argument limit) and from stdin", async () => {
    const big = "x".repeat(200_000); // one argument may hold 128 KiB on Linux
    const file = join(dataDir, "big.json");
    writeFileSync(file, JSON.stringify({ name: big }));
    const fromFile = JSON.parse(await cli("send", "demo/hello", "--data", `@${file}`)).ids[0];
    const fromStdin = JSON.parse((await tenaxOk(["send", "demo/hello", "--data", "-"], '{"name":"Stdin"}')).stdout).ids[0];
    const waiter = createRunWaiter(env.TENAX_INGEST_URL!);
    const [a, b] = await Promise.all([waiter.runForEvent(fromFile), waiter.runForEvent(fromStdin)]);
    expect(JSON.parse(new TextDecoder().decode(a.output))).toEqual({ greeting: `Hello, ${big}!` });
    expect(JSON.parse(new TextDecoder().decode(b.output))).toEqual({ greeting: "Hello, Stdin!" });
  });

  it("refuses what it does not understand: exit code 2, the error, the usage; nothing is sent", async () => {
    const before = (JSON.parse(await cli("runs", "list", "--function", "hello", "--json", "--limit", "500")) as unknown[]).length;
    const cases: Array<[string[], RegExp]> = [
      [["send", "demo/hello", "--dta", '{"name":"Typo"}'], /^tenax send: unknown option --dta\n\nusage: tenax send/],
      [["send", "demo/hello", "--data"], /^tenax send: --data needs a value/],
      [["send", "demo/hello", "--data", "[1,2]"], /^tenax send: --data must be a JSON object, got an array/],
      [["send", "demo/hello", "--data", "{not json"], /^tenax send: --data is not valid JSON/],
      [["send"], /^tenax send: missing <name>/],
      [["runs", "list", "--status", "bogus"], /--status "bogus" is not one of queued, running, sleeping, waiting, completed, failed, cancelled\n/],
      [["runs", "list", "--limit", "0"], /--limit "0" is not a positive whole number/],
      [["runs", "get"], /^tenax runs get: missing <id>\n\nusage: tenax runs get/],
      [["runs", "get", "a", "b"], /unexpected argument "b"/],
      [["runs", "cancel", "some-id", "--function", "hello"], /give a run id, or --function with its filters, not both/],
      [["runs", "cancel", "--function", "hello", "--after", "yesterday"], /--after "yesterday" is not a date/],
      [["runs", "frobnicate"], /^tenax runs: unknown command "frobnicate"/],
      [["start", "database"], /service "database" is not one of ingest, scheduler, executor/],
      [["frobnicate"], /^tenax: unknown command "frobnicate"\n\nusage: tenax <command>/],
    ];
    for (const [args, message] of cases) {
      const r = await tenax(args);
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: "" });
      expect(r.stderr).toMatch(message);
    }
    const after = (JSON.parse(await cli("runs", "list", "--function", "hello", "--json", "--limit", "500")) as unknown[]).length;
    expect(after).toBe(before);
    // A server-side refusal exits 1.
    const reserved = await tenax(["send", "tenax/function.failed"]);
    expect(reserved.code).toBe(1);
    expect(reserved.stderr).toMatch(/reserved prefix/);
  });

  it("answers --help on every command without doing anything", async () => {
    const commands = [
      [],
      ["dev"],
      ["migrate"],
      ["example-worker"],
      ["start"],
      ["send"],
      ["runs"],
      ["runs", "list"],
      ["runs", "get"],
      ["runs", "watch"],
      ["runs", "cancel"],
    ];
    for (const command of commands) {
      const r = await tenax([...command, "--help"]);
      expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: "" });
      expect(r.stdout).toMatch(new RegExp(`^usage: tenax ${command.length ? command.join(" ") : "<command>"}`));
    }
    expect((await tenax(["help", "runs", "list"])).stdout).toMatch(/^usage: tenax runs list/);
  });

  it("after a kill -9, the next tenax dev stops the Postgres it left running and starts afresh", async () => {
    const orphan = postmasterPid()!;
    expect(isRunning(orphan)).toBe(true);
    await dev.kill("SIGKILL");
    // Postgres runs in its own process group: the kill left it running, holding postmaster.pid.
    expect(isRunning(orphan)).toBe(true);
    dev = startDev("tenax-dev-again");
    await dev.waitFor(isRunningLine, 90_000);
    expect(dev.lines.some((l) => l.raw && String(l.msg).startsWith(`Stopped the PostgreSQL (pid ${orphan}) a killed tenax dev left running on ${pgDir}`))).toBe(
      true,
    );
    expect(isRunning(orphan)).toBe(false);
    const eventId = await sendEvent("demo/hello", { name: "Again" });
    expect((await createRunWaiter(env.TENAX_INGEST_URL!).runForEvent(eventId)).status).toBe(RunStatus.COMPLETED);
  });

  it("Ctrl-C (SIGINT to the process group) stops the worker, drains the services, stops Postgres, in one final line", async () => {
    const pg = postmasterPid()!;
    const from = dev.lines.length;
    process.kill(-dev.child.pid!, "SIGINT");
    // Under `npm start`, npm forwards its own copy of the Ctrl-C: still one orderly stop.
    process.kill(dev.child.pid!, "SIGINT");
    expect(await dev.exited).toBe(0);
    const after = dev.lines.slice(from);
    expect(after.at(-1)?.msg).toBe("Tenax dev stopped (SIGINT): worker closed, services drained, PostgreSQL stopped");
    // The services stopped before their database: not one complaint about it.
    expect(after.filter((l) => l.level === "error" || l.level === "warn")).toEqual([]);
    expect(isRunning(pg)).toBe(false);
    expect(existsSync(join(pgDir, "postmaster.pid"))).toBe(false);
    expect(existsSync(join(dataDir, "dev.pid"))).toBe(false);
  });
});

/** `tenax` that fails the test on a non-zero exit code. */
async function tenaxOk(args: string[], input?: string): Promise<CliResult> {
  const r = await tenax(args, input);
  if (r.code !== 0) throw new Error(`tenax ${args.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r;
}
