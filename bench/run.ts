// Tenax benchmark suite: `npm run bench` (full), `npm run bench -- --quick` (CI), `--only W1,W3`.
// Stdout: one JSON line for the floor and one per workload (and variant); progress goes to stderr.
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { RunStatus } from "@tenax/proto";
import { bidiFloor, pgFloor, type Floor } from "./floor.js";
import { pagingMisses, root, startBench, type Bench } from "./harness.js";
import { keepHandWritten } from "./hand-written.js";
import { machineInfo, renderMarkdown, toJsonLine } from "./report.js";
import { chainEvent, sendMany, variants, chainFn, type Sizes, type WorkloadResult } from "./workloads/common.js";
import { w1 } from "./workloads/w1-latency.js";
import { w2 } from "./workloads/w2-throughput.js";
import { w3 } from "./workloads/w3-long-run.js";
import { w4 } from "./workloads/w4-start-latency.js";
import { w5 } from "./workloads/w5-timers.js";
import { w6 } from "./workloads/w6-memory.js";

const usage = "usage: npm run bench [-- --quick] [--only W1,W3] [--watch-batch 1000]";
let quick = false;
let only: Set<string> | undefined;
let watchBatch = 1000;
{
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split("=", 2) as [string, string | undefined];
    const value = () => inline ?? args[++i] ?? "";
    if (flag === "--quick") quick = true;
    else if (flag === "--only")
      only = new Set(
        value()
          .toUpperCase()
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      );
    else if (flag === "--watch-batch") watchBatch = Number(value());
    else {
      process.stderr.write(`unknown argument ${args[i]}\n${usage}\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(watchBatch) || watchBatch < 1) {
    process.stderr.write(`--watch-batch must be a positive integer\n${usage}\n`);
    process.exit(2);
  }
}

const sizes: Sizes = quick
  ? { w1Runs: 5, w2Runs: 50, w3Steps: 20, w4Runs: 5, w5Runs: 20, w6Runs: 200, watchBatch, batchDeadlineMs: 60_000 }
  : { w1Runs: 100, w2Runs: 1000, w3Steps: 100, w4Runs: 100, w5Runs: 1000, w6Runs: 10_000, watchBatch, batchDeadlineMs: 180_000 };
const floorSizes = quick ? { commits: 200, roundTrips: 500, pipelined: 2000 } : { commits: 2000, roundTrips: 5000, pipelined: 20_000 };
const mode = quick ? "quick" : "full";
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

type Job = { id: string; variant: string; run: (b: Bench) => Promise<WorkloadResult> };
const jobs: Job[] = [];
for (const v of variants) jobs.push({ id: "W1", variant: v, run: (b) => w1(b, sizes, v) });
for (const v of variants) jobs.push({ id: "W2", variant: v, run: (b) => w2(b, sizes, v) });
for (const v of variants) jobs.push({ id: "W3", variant: v, run: (b) => w3(b, sizes, v) });
for (const v of variants) jobs.push({ id: "W4", variant: v, run: (b) => w4(b, sizes, v) });
jobs.push({ id: "W5", variant: "-", run: (b) => w5(b, sizes) });
jobs.push({ id: "W6", variant: "-", run: (b) => w6(b, sizes) }); // last: leaves parked runs behind
const selected = jobs.filter((j) => !only || only.has(j.id));
if (selected.length === 0) {
  process.stderr.write(`--only matched no workload (W1..W6)\n`);
  process.exit(2);
}

/** Runs each function a few times so JIT, pools and prepared statements are warm. */
async function warmUp(b: Bench) {
  const n = quick ? 5 : 20;
  for (const v of variants) {
    const ids = await sendMany(
      b,
      chainEvent(v),
      Array.from({ length: n }, () => ({ steps: 3 })),
    );
    const runIds = await b.runIdsFor(ids, chainFn(v));
    const { errors } = await b.watchAll(runIds, { deadlineMs: 60_000 });
    if (errors.length) throw new Error(`warm-up failed: ${errors[0]}`);
  }
  const [nap] = await sendMany(b, "bench/nap", [{ i: -1 }]);
  const [napRun] = await b.runIdsFor([nap!], "nap");
  const { run } = await b.watch(napRun!, { timeoutMs: 60_000 });
  if (run.status !== RunStatus.COMPLETED) throw new Error(`warm-up nap run ended ${RunStatus[run.status]}`);
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const loadStart = Math.round(loadavg()[0]! * 100) / 100;
  const hardLimit = setTimeout(
    () => {
      log(`suite exceeded its time limit; aborting`);
      void bench?.stop().finally(() => process.exit(3));
    },
    quick ? 5 * 60_000 : 20 * 60_000,
  );
  hardLimit.unref();
  let bench: Bench | undefined;
  const onSignal = () => void (bench?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const results: WorkloadResult[] = [];
  let floor: Floor;
  let pgVersion = "?";
  try {
    log(`mode ${mode}; workloads ${selected.map((j) => `${j.id}${j.variant === "-" ? "" : `/${j.variant}`}`).join(" ")}`);
    bench = await startBench();
    const b = bench;
    const sql = postgres(b.databaseUrl, { max: 1, onnotice: () => {} });
    pgVersion = String((await sql`show server_version`)[0]!.server_version);
    await sql.end();
    log(
      `measuring the floor (Postgres ${pgVersion}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")})`,
    );
    floor = { pg: await pgFloor(b.databaseUrl, floorSizes.commits), bidi: await bidiFloor(floorSizes.roundTrips, floorSizes.pipelined) };
    process.stdout.write(JSON.stringify({ workload: "floor", ...floor }) + "\n");
    log("warming up");
    await warmUp(b);
    for (const job of selected) {
      log(`${job.id} ${job.variant} ...`);
      const s = Date.now();
      const cpu0 = b.cpu();
      let r: WorkloadResult;
      try {
        r = await job.run(b);
      } catch (err) {
        r = { workload: job.id, variant: job.variant, ok: false, errors: [String((err as Error)?.stack ?? err)], params: {}, metrics: [] };
      }
      r.durationMs = Date.now() - s;
      const cpu1 = b.cpu();
      r.cpuMs = Object.fromEntries(Object.keys(cpu1).map((k) => [k, Math.round(cpu1[k]! - cpu0[k]!)]));
      results.push(r);
      process.stdout.write(JSON.stringify(toJsonLine(r, floor)) + "\n");
      log(`${job.id} ${job.variant} ${r.ok ? "ok" : "FAILED"} in ${(r.durationMs / 1000).toFixed(1)} s`);
    }
    // Any service or worker that died is a failure even if its workloads passed.
    for (const p of b.procs.values())
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        results.push({
          workload: "harness",
          variant: "-",
          ok: false,
          errors: [`${p.name} exited (${p.child.exitCode ?? p.child.signalCode})`],
          params: {},
          metrics: [],
        });
      }
  } catch (err) {
    log(`harness failed: ${(err as Error)?.stack ?? err}`);
    await bench?.stop().catch(() => {});
    return 1;
  }
  const notes = observations(results, bench);
  await bench.stop();
  clearTimeout(hardLimit);

  const complete = !quick && !only && watchBatch === 1000;
  const md = renderMarkdown({ mode, sizes: { ...sizes }, machine: machineInfo(pgVersion, loadStart), floor, results, notes, suiteMs: Date.now() - t0 });
  const outDir = join(root, "bench", "out");
  mkdirSync(outDir, { recursive: true });
  const mdPath = complete ? join(root, "bench", "RESULTS.md") : join(outDir, `RESULTS-${mode}${only || watchBatch !== 1000 ? "-partial" : ""}.md`);
  writeFileSync(mdPath, complete ? keepHandWritten(mdPath, md) : md);
  writeFileSync(
    join(outDir, `results-${mode}.jsonl`),
    [JSON.stringify({ workload: "floor", ...floor }), ...results.map((r) => JSON.stringify(toJsonLine(r, floor)))].join("\n") + "\n",
  );
  const failed = results.filter((r) => !r.ok);
  log(`wrote ${mdPath}; ${results.length - failed.length}/${results.length} workloads ok in ${Math.round((Date.now() - t0) / 1000)} s`);
  for (const f of failed) log(`FAILED ${f.workload} ${f.variant}: ${f.errors.slice(0, 3).join(" | ")}`);
  return failed.length ? 1 : 0;
}

function observations(results: WorkloadResult[], b: Bench): string[] {
  const notes: string[] = [];
  for (const r of results.filter((x) => !x.ok)) notes.push(`**${r.workload} ${r.variant} failed:** ${r.errors.slice(0, 3).join("; ")}`);
  const metric = (w: string, v: string, name: string) => results.find((r) => r.workload === w && r.variant === v)?.metrics.find((m) => m.name === name)?.value;
  const off = metric("W3", "checkpointing-off", "perStep");
  const on = metric("W3", "checkpointing-on", "perStep");
  if (off !== undefined && on !== undefined) {
    const speedup = off / on;
    notes.push(
      speedup < 1.5
        ? `Checkpointing looks not effective yet: W3 per-step time is ${on} ms with it vs ${off} ms without (×${speedup.toFixed(2)}).`
        : `Checkpointing speeds up W3 ×${speedup.toFixed(1)} (${off} → ${on} ms/step).`,
    );
  }
  const lag = ["checkpointing-off", "checkpointing-on"].map((v) => metric("W1", v, "watchLagMax") ?? 0);
  if (Math.max(...lag) > 500)
    notes.push(
      `WatchRun delivered a W1 completion up to ${Math.max(...lag)} ms after the run's ended_at (watchLagMax; p50 ${metric("W1", "checkpointing-off", "watchLagP50")} ms): a change notification was apparently missed and picked up by the watch's 2 s safety poll.`,
    );
  const lateMin = metric("W5", "-", "latenessMin");
  if (lateMin !== undefined && lateMin > 200)
    notes.push(`W5: even the earliest wake-up was ${lateMin} ms late (lateness min), so the delay is systemic under this load, not a tail.`);
  if (pagingMisses > 0)
    notes.push(
      `ListRuns paging (newest first, page size 500) missed ${pagingMisses} run ids, looked up by event id instead (the page token keeps milliseconds, created_at has microseconds, so runs created in one transaction after a page boundary are skipped).`,
    );
  const problems = [...b.problems.entries()].sort((a, c) => c[1].count - a[1].count);
  if (problems.length) {
    const shown = problems.slice(0, 8).map(([k, p]) => {
      const { ts: _ts, level: _level, msg: _msg, raw: _raw, ...fields } = p.first;
      const detail = Object.keys(fields).length ? ` (first: ${JSON.stringify(fields).slice(0, 300)})` : "";
      return `${p.count} × \`${k.replace(/`/g, "'")}\`${detail.replace(/\|/g, "/")}`;
    });
    notes.push(
      `Warnings/errors logged by the processes (besides "auth disabled"): ${shown.join("; ")}${problems.length > 8 ? `; … ${problems.length - 8} more kinds` : ""}.`,
    );
  } else notes.push('No warning or error lines were logged by the services or the worker (besides "auth disabled").');
  return notes;
}

process.exitCode = await main();
// Clients may keep sockets open; everything we started is stopped by now.
setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
