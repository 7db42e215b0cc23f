// The processes under test: two ingests, two schedulers, two executors and three workers, each a
// separate OS process on a fixed port (so a restarted one is found where it was). Every exit is
// supervised: one the driver caused (SIGKILL) is restarted; any other is recorded as an
// unexpected death (a check of the run) and restarted too, so the run goes on and reports it.
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { startProcess, type LogLine, type Proc } from "../test/setup/process.js";
import { testSettings } from "../test/setup/stack.js";
import type { CutProxy } from "./pg-cut-proxy.js";
import { reservePorts } from "./ports.js";

export type MemberKind = "ingest" | "scheduler" | "executor" | "worker";

export interface Member {
  readonly name: string;
  readonly kind: MemberKind;
  /** The current process (replaced on each restart). */
  proc: Proc;
  /** Resolves once the current process is ready ("listening" / "worker ready"); rejects if it exits first. */
  ready: Promise<unknown>;
  /** Processes started for this member so far. */
  starts: number;
  /** The current process is ready and has not exited. */
  up: boolean;
}

export interface UnexpectedDeath {
  name: string;
  code: number | null;
  signal: string | null;
  /** Its last log lines. */
  tail: string[];
  /** The start of what it printed that was not a JSON log line (a crash: the error and its first frame). */
  crash: string;
}

export interface Cluster {
  members: Member[];
  ingestUrls: string[];
  deaths: UnexpectedDeath[];
  /** Members whose process did not get ready (a start that failed for a reason other than a driver kill). */
  startFailures: string[];
  /** SIGKILLs the member's process and waits for it to exit; the restart goes on in the background. */
  kill(member: Member): Promise<void>;
  /** Waits until every member's current process is ready (bounded). */
  allReady(timeoutMs: number): Promise<void>;
  /** Kills everything, restarting nothing. */
  stop(): Promise<void>;
}

const listenVar = { ingest: "TENAX_INGEST_LISTEN", scheduler: "TENAX_SCHEDULER_LISTEN", executor: "TENAX_EXECUTOR_LISTEN" } as const;
const readyMs = 120_000;

interface Spec {
  name: string;
  kind: MemberKind;
  args: string[];
  env: Record<string, string>;
  readyMsg: string;
}

export interface ClusterOptions {
  proxy: CutProxy;
  /** Set: services connect to this URL instead of through the proxy. */
  directDatabaseUrl?: string;
  ledgerFile: string;
  logDir: string;
  log: (msg: string) => void;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const specs: Spec[] = [];
  const urlOf = new Map<string, string>();
  const ports = await reservePorts(6);
  for (const kind of ["ingest", "scheduler", "executor"] as const)
    for (const n of [1, 2]) {
      const name = `${kind}-${n}`;
      const port = ports.pop()!;
      // A listener of its own on the proxy, so cuts are reported by service.
      const databaseUrl = opts.directDatabaseUrl ?? (await opts.proxy.listen(name));
      urlOf.set(name, `http://127.0.0.1:${port}`);
      specs.push({
        name,
        kind,
        args: [`services/${kind}`],
        env: { ...testSettings, DATABASE_URL: databaseUrl, [listenVar[kind]]: `127.0.0.1:${port}` },
        readyMsg: "listening",
      });
    }
  // Worker n talks to ingest and executor (n mod 2): both executors have workers, one has two.
  for (const n of [1, 2, 3]) {
    const i = ((n - 1) % 2) + 1;
    specs.push({
      name: `worker-${n}`,
      kind: "worker",
      args: ["--import", "tsx", "chaos/worker.ts"],
      env: {
        TENAX_INGEST_URL: urlOf.get(`ingest-${i}`)!,
        TENAX_EXECUTOR_URL: urlOf.get(`executor-${i}`)!,
        CHAOS_LEDGER: opts.ledgerFile,
        CHAOS_WORKER_NAME: `worker-${n}`,
      },
      readyMsg: "worker ready",
    });
  }

  let stopping = false;
  const killed = new WeakSet<Proc>();
  const deaths: UnexpectedDeath[] = [];
  const startFailures: string[] = [];
  const logs = new Map<string, WriteStream>();
  const unexpectedInARow = new Map<string, number>();
  // Wakes allReady() on every start, ready and exit: awaited, not polled.
  const onChange: (() => void)[] = [];
  const changed = () => onChange.splice(0).forEach((fn) => fn());
  const nextChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      onChange.push(() => (clearTimeout(t), resolve()));
    });

  const spawn = (spec: Spec, member?: Member): Member => {
    const proc = startProcess(spec.name, spec.args, spec.env);
    let out = logs.get(spec.name);
    if (!out) logs.set(spec.name, (out = createWriteStream(join(opts.logDir, `${spec.name}.log`), { flags: "a" })));
    out.write(`=== chaos: start pid ${proc.child.pid} at ${new Date().toISOString()}\n`);
    proc.child.stdout!.on("data", (b: Buffer) => out.write(b));
    proc.child.stderr!.on("data", (b: Buffer) => out.write(b));
    const ready = proc.waitFor((l: LogLine) => l.msg === spec.readyMsg, readyMs);
    ready
      .then(() => {
        unexpectedInARow.delete(spec.name);
        if (m.proc === proc) m.up = true;
        changed();
      })
      .catch(() => undefined);
    ready.catch(() => {
      if (!killed.has(proc) && !stopping && proc.child.exitCode === null)
        startFailures.push(`${spec.name} (pid ${proc.child.pid}) not ready within ${readyMs} ms`);
    });
    const m: Member = member ?? { name: spec.name, kind: spec.kind, proc, ready, starts: 0, up: false };
    Object.assign(m, { proc, ready, starts: m.starts + 1, up: false });
    changed();
    void proc.exited.then((code) => {
      out.write(`=== chaos: pid ${proc.child.pid} exited (code ${code}, signal ${proc.child.signalCode})\n`);
      if (m.proc === proc) m.up = false;
      changed();
      if (stopping) return;
      if (!killed.has(proc)) {
        const tail = proc.lines.slice(-20).map((l) => JSON.stringify(l));
        // What it died of: a crash printed to stderr (not JSON), or else its last error log line.
        const raw = proc.lines.slice(-20).filter((l) => l.raw && l.msg?.trim());
        const first = raw.findIndex((l) => /Error\b|error:/i.test(l.msg!));
        const errorLine = [...proc.lines].reverse().find((l) => l.level === "error");
        const lastError = errorLine
          ? `${errorLine.msg ?? ""}${errorLine.err ? ` ${JSON.stringify(errorLine.err)}` : ""}${errorLine.origin ? ` (${String(errorLine.origin)})` : ""}`
          : "";
        const crash =
          first >= 0
            ? raw
                .slice(first, first + 3)
                .map((l) => l.msg!.trim())
                .join(" ")
            : lastError.slice(0, 400);
        deaths.push({ name: spec.name, code, signal: proc.child.signalCode, tail, crash });
        opts.log(`UNEXPECTED: ${spec.name} (pid ${proc.child.pid}) exited by itself (code ${code}, signal ${proc.child.signalCode})`);
        // A process that keeps dying (it cannot start): restart it more and more slowly, as a supervisor would.
        const inARow = (unexpectedInARow.get(spec.name) ?? 0) + 1;
        unexpectedInARow.set(spec.name, inARow);
        setTimeout(() => stopping || spawn(spec, m), Math.min(5000, 250 * 2 ** inARow));
        return;
      }
      spawn(spec, m);
    });
    return m;
  };

  const members = specs.map((s) => spawn(s));
  const cluster: Cluster = {
    members,
    ingestUrls: [urlOf.get("ingest-1")!, urlOf.get("ingest-2")!],
    deaths,
    startFailures,
    async kill(member) {
      const proc = member.proc;
      killed.add(proc);
      proc.child.kill("SIGKILL");
      await proc.exited;
    },
    async allReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!members.every((m) => m.up)) {
        if (Date.now() >= deadline) throw new Error(`not every process got ready within ${timeoutMs} ms: ${members.filter((m) => !m.up).map((m) => m.name)}`);
        await nextChange(deadline - Date.now());
      }
    },
    async stop() {
      stopping = true;
      await Promise.all(members.map((m) => m.proc.kill("SIGKILL")));
      await Promise.all([...logs.values()].map((s) => new Promise((r) => s.end(r))));
    },
  };
  await cluster.allReady(readyMs);
  return cluster;
}
