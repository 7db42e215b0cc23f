// Starts the system under test: an embedded PostgreSQL 15 with fsync on, the three services as
// separate processes, and one bench worker process. Runs are awaited with WatchRun only.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { IngestService, RunService, RunStatus, type Run } from "@tenax/proto";
import { migrateDatabase, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";
import { freePort } from "../test/setup/ports.js";
import { startProcess, type LogLine, type Proc } from "./proc.js";

export const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

export type ServiceName = "ingest" | "scheduler" | "executor";
const services: ServiceName[] = ["ingest", "scheduler", "executor"];
const listenVar: Record<ServiceName, string> = {
  ingest: "TENAX_INGEST_LISTEN",
  scheduler: "TENAX_SCHEDULER_LISTEN",
  executor: "TENAX_EXECUTOR_LISTEN",
};

export const terminal = new Set([RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED]);

export interface Watched {
  run: Run;
  /** Date.now() when the watch delivered the awaited state. */
  at: number;
}

export interface Bench {
  databaseUrl: string;
  pg: EmbeddedPostgresHandle;
  procs: Map<string, Proc>;
  ingestUrl: string;
  executorUrl: string;
  ingest: Client<typeof IngestService>;
  runs: Client<typeof RunService>;
  /** Warnings and errors logged by any process, counted by process and message, with the first one. */
  problems: Map<string, { count: number; first: LogLine }>;
  /** Sends events in one SendEvents call; returns their ids. */
  send(name: string, data: Record<string, unknown>[]): Promise<string[]>;
  /** Run ids of runs started by these events (ListRuns; one run per event). */
  runIdsFor(eventIds: string[], functionId: string): Promise<string[]>;
  /** Watches a run until `done(run)` (default: it ended). */
  watch(runId: string, opts?: { timeoutMs?: number; done?: (r: Run) => boolean }): Promise<Watched>;
  /** Watches many runs, `batch` (default 1000) per WatchRuns stream; never throws (failures are reported). */
  watchAll(
    runIds: string[],
    opts: { batch?: number; deadlineMs: number; done?: (r: Run) => boolean },
  ): Promise<{ watched: (Watched | undefined)[]; errors: string[] }>;
  /** VmRSS in MB of every process we started (services and worker). */
  rss(): Record<string, number>;
  /** CPU time (user + system, ms) so far of each service, the worker, Postgres (all its processes) and this process. */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
  } catch {
    return NaN;
  }
}

let clkTck = 0;
/** Fields of /proc/<pid>/stat after the command name (field 3 onwards). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

function ticksToMs(ticks: number): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return (ticks * 1000) / clkTck;
}

/** utime + stime of a process (and, with children, of its reaped children), in ms. */
export function cpuMs(pid: number | undefined, withChildren = false): number {
  const f = pid ? statFields(pid) : undefined;
  if (!f) return NaN;
  // f[0] is field 3 (state): utime = field 14, stime 15, cutime 16, cstime 17.
  const t = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticksToMs(t);
}

/** CPU of the postmaster (with reaped children) plus every live backend and helper process. */
function postgresCpuMs(dataDir: string): number {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return NaN;
  }
  let total = cpuMs(pid, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === pid) total += ticksToMs(Number(f[11]) + Number(f[12]));
  }
  return total;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export async function startBench(): Promise<Bench> {
  const dataDir = join(root, ".test-data", `bench-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const procs = new Map<string, Proc>();
  const problems = new Map<string, { count: number; first: LogLine }>();
  let pg: EmbeddedPostgresHandle | undefined;
  const stop = async () => {
    await Promise.all(
      [...procs.values()].map(async (p) => {
        const t = setTimeout(() => p.child.kill("SIGKILL"), 3000);
        await p.kill("SIGTERM");
        clearTimeout(t);
      }),
    );
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    log(`starting PostgreSQL 15 (fsync on) in ${dataDir}`);
    pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), fast: false });
    const databaseUrl = pg.url;
    await migrateDatabase(databaseUrl);

    const track = (proc: Proc) => {
      procs.set(proc.name, proc);
      proc.onLine((l: LogLine) => {
        const level = String(l.level ?? "");
        if ((level === "warn" || level === "error" || l.raw) && !String(l.msg).startsWith("auth disabled")) {
          const key = `${proc.name} ${level || "raw"}: ${String(l.msg).slice(0, 160)}`;
          const p = problems.get(key);
          if (p) p.count++;
          else problems.set(key, { count: 1, first: l });
        }
      });
      return proc;
    };
    const ports = new Map<ServiceName, number>();
    await Promise.all(
      services.map(async (name) => {
        // Default settings: only the database and a free port are set.
        const proc = track(startProcess(name, [`services/${name}`], { DATABASE_URL: databaseUrl, [listenVar[name]]: "127.0.0.1:0" }, root));
        const line = await proc.waitFor((l) => l.msg === "listening");
        ports.set(name, line.port as number);
      }),
    );
    const ingestUrl = `http://127.0.0.1:${ports.get("ingest")}`;
    const executorUrl = `http://127.0.0.1:${ports.get("executor")}`;
    const worker = track(
      startProcess("worker", ["--import", "tsx", "bench/worker.ts"], { TENAX_INGEST_URL: ingestUrl, TENAX_EXECUTOR_URL: executorUrl }, root),
    );
    await worker.waitFor((l) => l.msg === "worker ready", 60_000);

    const newTransport = () => createGrpcTransport({ baseUrl: ingestUrl, acceptCompression: [], readMaxBytes: 64 << 20, writeMaxBytes: 64 << 20 });
    const transport = newTransport();
    const ingest = createClient(IngestService, transport);
    const runs = createClient(RunService, transport);

    // Watches that stop before the run ends must cancel their stream (connect-es does not cancel
    // a server stream when the consumer breaks out of the loop; the server would keep watching).
    // Each cancel is an HTTP/2 RST_STREAM, and nghttp2 closes a connection whose peer resets more
    // than ~1,000 streams in a burst (rapid-reset protection), so such watches use a fresh
    // connection every 500 cancels. Watches of runs that end read their stream to its end instead.
    let watchRuns = runs;
    let cancels = 0;
    const watch: Bench["watch"] = async (runId, opts = {}) => {
      const done = opts.done ?? ((r: Run) => terminal.has(r.status));
      // A plain timer: a composite AbortSignal.any() over AbortSignal.timeout() can be collected
      // before it fires (seen here: a watch outlived its timeout by minutes).
      const cancel = new AbortController();
      const timeoutMs = opts.timeoutMs ?? 120_000;
      const timer = setTimeout(() => cancel.abort(new Error(`run ${runId}: not done within ${timeoutMs} ms`)), timeoutMs);
      try {
        return await watchUntil(runId, done, cancel);
      } finally {
        clearTimeout(timer);
      }
    };
    const watchUntil = async (runId: string, done: (r: Run) => boolean, cancel: AbortController): Promise<Watched> => {
      const stream = watchRuns.watchRun({ runId, statusOnly: true }, { signal: cancel.signal })[Symbol.asyncIterator]();
      let last: Run | undefined;
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        last = next.value.run;
        if (!last) continue;
        if (done(last)) {
          const at = Date.now();
          if (terminal.has(last.status)) {
            while (!(await stream.next()).done) {} // the server ends the stream after the final state
          } else {
            cancel.abort();
            if (++cancels % 500 === 0) watchRuns = createClient(RunService, newTransport());
          }
          return { run: last, at };
        }
        if (terminal.has(last.status)) {
          while (!(await stream.next()).done) {}
          throw new Error(`run ${runId} ended with status ${RunStatus[last.status]} ${last.error?.message ?? ""}`);
        }
      }
      throw new Error(`watch of run ${runId} ended before the awaited state (last status ${last ? RunStatus[last.status] : "none"})`);
    };

    const bench: Bench = {
      databaseUrl,
      pg,
      procs,
      ingestUrl,
      executorUrl,
      ingest,
      runs,
      problems,
      async send(name, data) {
        const { ids } = await ingest.sendEvents({ events: data.map((d) => ({ name, data: d as JsonObject })) });
        return ids;
      },
      async runIdsFor(eventIds, functionId) {
        const want = new Map(eventIds.map((id, i) => [id, i]));
        const out: string[] = new Array(eventIds.length);
        let found = 0;
        let pageToken = "";
        // Newest first: a few pages cover runs just started.
        do {
          const page = await runs.listRuns({ functionId, pageSize: 500, pageToken });
          for (const r of page.runs) {
            const i = want.get(r.eventIds[0] ?? "");
            if (i !== undefined && out[i] === undefined) {
              out[i] = r.id;
              found++;
            }
          }
          pageToken = page.nextPageToken;
        } while (pageToken && found < eventIds.length);
        // Runs paging did not list (see the report): look them up by event id.
        const missing = eventIds.map((id, i) => [id, i] as const).filter(([, i]) => out[i] === undefined);
        if (missing.length) pagingMisses += missing.length;
        let next = 0;
        await Promise.all(
          Array.from({ length: Math.min(16, missing.length) }, async () => {
            while (next < missing.length) {
              const [eventId, i] = missing[next++]!;
              const { runs: listed } = await runs.listRuns({ eventId });
              if (listed.length !== 1) throw new Error(`expected one run for event ${eventId}, found ${listed.length}`);
              out[i] = listed[0]!.id;
            }
          }),
        );
        return out;
      },
      watch,
      async watchAll(runIds, opts) {
        const watched: (Watched | undefined)[] = new Array(runIds.length);
        const errors: string[] = [];
        const done = opts.done ?? ((r: Run) => terminal.has(r.status));
        const index = new Map(runIds.map((id, i) => [id, i]));
        const size = opts.batch ?? 1000;
        const batches = Array.from({ length: Math.ceil(runIds.length / size) }, (_, i) => runIds.slice(i * size, (i + 1) * size));
        await Promise.all(
          batches.map(async (ids) => {
            const pending = new Set(ids);
            const cancel = new AbortController();
            const timer = setTimeout(() => cancel.abort(), opts.deadlineMs);
            try {
              for await (const { run } of runs.watchRuns({ runIds: ids }, { signal: cancel.signal })) {
                if (!run || !pending.has(run.id)) continue;
                if (done(run)) watched[index.get(run.id)!] = { run, at: Date.now() };
                else if (terminal.has(run.status)) errors.push(`run ${run.id}: ended with status ${RunStatus[run.status]} ${run.error?.message ?? ""}`);
                else continue;
                pending.delete(run.id);
                // Awaited states that are not final (W6: WAITING) never end the stream: cancel it.
                if (pending.size === 0) cancel.abort();
              }
            } catch (err) {
              if (!cancel.signal.aborted) errors.push(`WatchRuns of ${ids.length} runs failed: ${(err as Error).message}`);
            } finally {
              clearTimeout(timer);
            }
            for (const id of pending) errors.push(`run ${id}: not done before the deadline`);
          }),
        );
        return { watched, errors };
      },
      rss() {
        return Object.fromEntries([...procs.values()].map((p) => [p.name, rssMb(p.child.pid)]));
      },
      cpu() {
        const out: Record<string, number> = Object.fromEntries([...procs.values()].map((p) => [p.name, cpuMs(p.child.pid)]));
        out.postgres = postgresCpuMs(dataDir);
        const self = process.cpuUsage();
        out.bench = (self.user + self.system) / 1000;
        return out;
      },
      stop,
    };
    return bench;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

/** How many run ids ListRuns paging missed and had to be looked up by event id. */
export let pagingMisses = 0;
