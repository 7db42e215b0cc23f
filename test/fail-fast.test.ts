import { createServer, type Server } from "node:net";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "./setup/ports.js";
import { startProcess, type LogLine } from "./setup/process.js";

// Startup mistakes end the process at once with exit code 1 and one line that names the setting
// to change; nothing waits, nothing hangs. No stack: each case is one process that must not start.

let taken: Server;
let takenPort: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  takenPort = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

const text = (lines: LogLine[]) => lines.map((l) => String(l.msg)).join("\n");

/** Runs a process that must fail: its exit code and what it said. */
async function fails(args: string[], env: Record<string, string>) {
  const proc = startProcess(args.join(" "), args, env);
  const code = await proc.exited;
  return { code, lines: proc.lines, said: text(proc.lines) };
}

describe("a service refuses to start, at once, saying what to change", () => {
  it("on a port in use, before waiting for the database", async () => {
    // A database nobody answers on: had the service waited for it, it would say so (and take 60 s).
    const { code, lines, said } = await fails(["services/ingest"], {
      TENAX_INGEST_LISTEN: `127.0.0.1:${takenPort}`,
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/postgres`,
    });
    expect(code).toBe(1);
    expect(said).toContain(
      `cannot start: [invalid_setting] TENAX_INGEST_LISTEN: 127.0.0.1:${takenPort} is already in use (another Tenax, or another program, listens there); set TENAX_INGEST_LISTEN to a free host:port`,
    );
    expect(lines.some((l) => l.msg === "database unreachable; retrying")).toBe(false);
    expect(lines.find((l) => String(l.msg).startsWith("cannot start"))).toMatchObject({ level: "error", service: "ingest" });
  });

  it("on a DATABASE_URL that is not PostgreSQL's, hiding its password", async () => {
    const { code, said } = await fails(["services/executor"], {
      TENAX_EXECUTOR_LISTEN: "127.0.0.1:0",
      DATABASE_URL: "mysql://root:hunter2@127.0.0.1:3306/shop",
    });
    expect(code).toBe(1);
    expect(said).toContain('[invalid_setting] DATABASE_URL (mysql://root:***@127.0.0.1:3306/shop) has the scheme "mysql"; Tenax needs PostgreSQL');
    expect(said).not.toContain("hunter2");
  });

  it("on a database that does not exist, or a role Postgres does not know", async () => {
    const adminUrl = inject("adminUrl");
    const noDb = new URL(adminUrl);
    noDb.pathname = "/tenax_no_such_db";
    const missingDb = await fails(["services/scheduler"], { TENAX_SCHEDULER_LISTEN: "127.0.0.1:0", DATABASE_URL: noDb.toString() });
    expect(missingDb.code).toBe(1);
    expect(missingDb.said).toMatch(
      /\[invalid_setting\] DATABASE_URL \(postgres:\/\/.*\/tenax_no_such_db\): database "tenax_no_such_db" does not exist on 127\.0\.0\.1:\d+; create it \(createdb tenax_no_such_db\) or name an existing database in DATABASE_URL/,
    );
    const role = new URL(adminUrl);
    role.username = "tenax_nobody";
    const missingRole = await fails(["services/scheduler"], { TENAX_SCHEDULER_LISTEN: "127.0.0.1:0", DATABASE_URL: role.toString() });
    expect(missingRole.code).toBe(1);
    expect(missingRole.said).toMatch(/DATABASE_URL \(.*\): 127\.0\.0\.1:\d+ refused user "tenax_nobody": .*; check the user and password in DATABASE_URL/);
  });

  it("tenax migrate on an unreachable database says where it tried", async () => {
    const port = await freePort();
    const { code, said } = await fails(["services/cli/bin.mjs", "migrate"], { DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${port}/postgres` });
    expect(code).toBe(1);
    expect(said).toMatch(
      new RegExp(
        `tenax migrate: \\[database_unavailable\\] DATABASE_URL \\(postgres://postgres:\\*\\*\\*@127.0.0.1:${port}/postgres\\): no PostgreSQL answered at 127.0.0.1:${port}, tried once`,
      ),
    );
  });
});

describe("tenax dev refuses to start, at once", () => {
  it("on a port in use, before it starts Postgres", async () => {
    const dataDir = join(process.cwd(), ".test-data", `fail-fast-${process.pid}`);
    const { code, said } = await fails(["services/cli/bin.mjs", "dev"], {
      DATABASE_URL: "",
      TENAX_DATA_DIR: dataDir,
      TENAX_DEV_PG_PORT: String(await freePort()),
      TENAX_INGEST_LISTEN: "127.0.0.1:0",
      TENAX_SCHEDULER_LISTEN: "127.0.0.1:0",
      TENAX_EXECUTOR_LISTEN: `127.0.0.1:${takenPort}`,
    });
    expect(code).toBe(1);
    expect(said).toContain(`tenax dev: [invalid_setting] TENAX_EXECUTOR_LISTEN: 127.0.0.1:${takenPort} is already in use`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it("on the embedded Postgres's port in use, naming TENAX_DEV_PG_PORT", async () => {
    const dataDir = join(process.cwd(), ".test-data", `fail-fast-pg-${process.pid}`);
    try {
      const { code, said } = await fails(["services/cli/bin.mjs", "dev"], {
        DATABASE_URL: "",
        TENAX_DATA_DIR: dataDir,
        TENAX_DEV_PG_PORT: String(takenPort),
        TENAX_INGEST_LISTEN: "127.0.0.1:0",
        TENAX_SCHEDULER_LISTEN: "127.0.0.1:0",
        TENAX_EXECUTOR_LISTEN: "127.0.0.1:0",
      });
      expect(code).toBe(1);
      expect(said).toContain(
        `[invalid_setting] TENAX_DEV_PG_PORT: embedded PostgreSQL: port ${takenPort} is already in use; set TENAX_DEV_PG_PORT to a free port`,
      );
      expect(existsSync(join(dataDir, "dev.pid"))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
