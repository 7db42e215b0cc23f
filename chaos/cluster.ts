// The processes under test: two ingests, two schedulers, two executors and three workers, each a
// separate OS process on a fixed port (so a restarted one is found where it was). Every exit is
// supervised: one the driver caused (SIGKILL) is restarted; any other is recorded as an
// unexpected death (a check of the run) and restarted too, so the run goes on and reports it.
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { startProcess, type LogLine, type Proc } from "../test/setup/process.js";
import { testSettings } from "../test/setup/stack.js";
import { freePort } from "../test/setup/ports.js";
import type { CutProxy } from "./pg-cut-proxy.js";

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
}

export interface UnexpectedDeath {
  name: string;
  code: number | null;
  signal: string | null;
  /** Its last log lines. */
  tail: string[];
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

export async function startCluster(opts: { proxy: CutProxy; ledgerFile: string; logDir: string; log: (msg: string) => void }): Promise<Cluster> {
  const specs: Spec[] = [];
  const urlOf = new Map<string, string>();
  for (const kind of ["ingest", "scheduler", "executor"] as const)
    for (const n of [1, 2]) {
      const name = `${kind}-${n}`;
      const port = await freePort();
      // A listener of its own on the proxy, so cuts are reported by service.
      const databaseUrl = await opts.proxy.listen(name, await freePort());
      urlOf.set(name, `http://127.0.0.1:${port}`);
      specs.push({ name, kind, args: [`services/${kind}`], env: { ...testSettings, DATABASE_URL: databaseUrl, [listenVar[kind]]: `127.0.0.1:${port}` }, readyMsg: "listening" });
    }
  // Worker n talks to ingest and executor (n mod 2): both executors have workers, one has two.
  for (const n of [1, 2, 3]) {
    const i = ((n - 1) % 2) + 1;
    specs.push({
      name: `worker-${n}`,
      kind: "worker",
      args: ["--import", "tsx", "chaos/worker.ts"],
      env: { TENAX_INGEST_URL: urlOf.get(`ingest-${i}`)!, TENAX_EXECUTOR_URL: urlOf.get(`executor-${i}`)!, CHAOS_LEDGER: opts.ledgerFile, CHAOS_WORKER_NAME: `worker-${n}` },
      readyMsg: "worker ready",
    });
  }

  let stopping = false;
  const killed = new WeakSet<Proc>();
  const deaths: UnexpectedDeath[] = [];
  const startFailures: string[] = [];
  const logs = new Map<string, WriteStream>();

  const spawn = (spec: Spec, member?: Member): Member => {
    const proc = startProcess(spec.name, spec.args, spec.env);
    let out = logs.get(spec.name);
    if (!out) logs.set(spec.name, (out = createWriteStream(join(opts.logDir, `${spec.name}.log`), { flags: "a" })));
    out.write(`=== chaos: start pid ${proc.child.pid} at ${new Date().toISOString()}\n`);
    proc.child.stdout!.on("data", (b: Buffer) => out.write(b));
    proc.child.stderr!.on("data", (b: Buffer) => out.write(b));
    const ready = proc.waitFor((l: LogLine) => l.msg === spec.readyMsg, readyMs);
    ready.catch(() => {
      if (!killed.has(proc) && !stopping && proc.child.exitCode === null) startFailures.push(`${spec.name} (pid ${proc.child.pid}) not ready within ${readyMs} ms`);
    });
    const m: Member = member ?? { name: spec.name, kind: spec.kind, proc, ready, starts: 0 };
    Object.assign(m, { proc, ready, starts: m.starts + 1 });
    void proc.exited.then((code) => {
      out.write(`=== chaos: pid ${proc.child.pid} exited (code ${code}, signal ${proc.child.signalCode})\n`);
      if (stopping) return;
      if (!killed.has(proc)) {
        const tail = proc.lines.slice(-20).map((l) => JSON.stringify(l));
        deaths.push({ name: spec.name, code, signal: proc.child.signalCode, tail });
        opts.log(`UNEXPECTED: ${spec.name} (pid ${proc.child.pid}) exited by itself (code ${code}, signal ${proc.child.signalCode})`);
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
      // A member may be replaced while we wait (an unexpected death): wait for its new process too.
      for (let round = 0; round < 20 && Date.now() < deadline; round++) {
        const current = members.map((m) => m.proc);
        await Promise.all(members.map((m) => m.ready.catch(() => undefined)));
        if (members.every((m, i) => m.proc === current[i] && m.proc.child.exitCode === null)) return;
      }
      throw new Error(`not every process got ready within ${timeoutMs} ms`);
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
