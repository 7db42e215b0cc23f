// Tenax chaos suite: `npm run chaos` (full: 10 minutes of faults, 1,500 runs) and
// `npm run chaos -- --quick` (CI: about 40 s of faults, 150 runs). Flags: see options.ts.
//
// Two ingests, two schedulers, two executors and three workers, each its own process, on one
// Postgres reached through a cutting proxy. While events are sent, processes are SIGKILLed,
// Postgres restarts and connections are cut after write replies; then everything settles and
// the checks run (checks.ts). Progress goes to stderr; the summary (summary.ts) to stdout.
// Exit code 0 only when every check passed and every fault kind hit at least once.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { StepRecord } from "@tenax/proto";
import { judge } from "./checks.js";
import { createIngests } from "./clients.js";
import { startCluster, type Cluster } from "./cluster.js";
import { startFaults, type Faults } from "./faults.js";
import { readLedger } from "./ledger.js";
import { parseOptions, usage, type ChaosOptions } from "./options.js";
import { createCutProxy, type CutProxy } from "./pg-cut-proxy.js";
import { startChaosPostgres, type ChaosPostgres } from "./postgres.js";
import { createRng } from "./rng.js";
import { settleRuns } from "./settle.js";
import { printSummary, requiredFaults, type Summary } from "./summary.js";
import { startTraffic } from "./traffic.js";

const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[chaos +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);

let opts: ChaosOptions;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const workDir = join(process.cwd(), ".test-data", `chaos-${process.pid}`);
const ledgerFile = join(workDir, "ledger.jsonl");
let pg: ChaosPostgres | undefined;
let proxy: CutProxy | undefined;
let cluster: Cluster | undefined;
/** What the run got to, for the summary of a run that could not finish (time limit, a crash of the suite). */
let faultCounts: Faults["counts"] | undefined;
let acceptedRuns = 0;

/** The summary of a run that did not get to its checks: still one JSON line, failed, with the faults so far. */
function printAborted(error: string) {
  const line = {
    chaos: "summary",
    ok: false,
    error,
    mode: opts.quick ? "quick" : "full",
    seed: opts.seed,
    elapsedSeconds: Math.round((Date.now() - t0) / 1000),
    acceptedRuns,
    faults: faultCounts,
    workDir,
  };
  process.stdout.write(`\nchaos summary\n  result  FAIL: ${error}\n  work directory: ${workDir} (kept)\n${JSON.stringify(line)}\n`);
}

async function teardown() {
  await cluster?.stop().catch(() => undefined);
  await proxy?.close().catch(() => undefined);
  await pg?.stop().catch(() => undefined);
}

/** Every run's stored steps (GetRun), a few calls at a time. */
async function stepsOf(ingests: ReturnType<typeof createIngests>, runIds: string[], until: number): Promise<Map<string, StepRecord[]>> {
  const steps = new Map<string, StepRecord[]>();
  let next = 0;
  const lane = async () => {
    while (next < runIds.length) {
      const runId = runIds[next++]!;
      const res = await ingests.call((i) => i.runs.getRun({ runId }), { until });
      steps.set(runId, res.steps);
    }
  };
  await Promise.all(Array.from({ length: 6 }, lane));
  return steps;
}

async function main(o: ChaosOptions): Promise<boolean> {
  mkdirSync(join(workDir, "logs"), { recursive: true });
  log(`mode ${o.quick ? "quick" : "full"}; seed ${o.seed}; ${o.runs} runs; ${o.faultMs / 1000} s of faults; work directory ${workDir}`);
  pg = await startChaosPostgres(join(workDir, "pg"), log);
  const db = pg;
  proxy = createCutProxy(() => db.databaseUrl);
  cluster = await startCluster({ proxy, directDatabaseUrl: o.directDb ? pg.databaseUrl : undefined, ledgerFile, logDir: join(workDir, "logs"), log });
  log("2 ingests, 2 schedulers, 2 executors and 3 workers are up; faults start");
  const ingests = createIngests(cluster.ingestUrls);

  // Separate random streams: the plans depend on the seed alone, not on how the faults went.
  const faults = startFaults({ cluster, postgres: pg, proxy, cuts: !o.directDb, rng: createRng(o.seed ^ 0x5bd1e995), timings: o.timings, log });
  faultCounts = faults.counts;
  const tag = `chaos-${o.seed}-${process.pid}`;
  const traffic = startTraffic({
    ingests,
    rng: createRng(o.seed),
    timingRng: createRng(o.seed ^ 0x27d4eb2f),
    runs: o.runs,
    durationMs: o.faultMs * 0.9,
    tag,
    sendRetryMs: 90_000,
    log,
  });
  const progress = setInterval(() => {
    acceptedRuns = traffic.accepted.length;
    const c = faults.counts;
    const kills = Object.values(c.kills).reduce((a, b) => a + b, 0);
    log(`${traffic.accepted.length} runs accepted; ${kills} kills, ${c.postgresRestarts} postgres restarts, ${c.cuts.commit}+${c.cuts.write} cuts`);
  }, 10_000);
  // The fault window is a length of time, not a wait for something.
  await delay(o.faultMs);
  await faults.stop();
  clearInterval(progress);
  log("faults stopped; waiting for every process to be up, every event sent and every run to end");
  await cluster.allReady(120_000);
  await traffic.done;
  const settled = await settleRuns(ingests, Date.now() + o.settleMs, log);
  log(`${settled.runs.length} runs, ${settled.open.length} still open, after ${(settled.ms / 1000).toFixed(1)} s; checking`);
  const steps = await stepsOf(
    ingests,
    settled.runs.map((r) => r.id),
    Date.now() + 120_000,
  );
  const ledger = readLedger(ledgerFile);
  const required = requiredFaults(faults.counts, !o.directDb);
  const deaths = [
    ...cluster.deaths.map(
      (d) => `${d.name} exited by itself (code ${d.code}, signal ${d.signal}): ${d.crash || `last lines: ${d.tail.slice(-5).join(" | ")}`}`,
    ),
    ...cluster.startFailures,
  ];
  const verdict = judge({
    accepted: traffic.accepted,
    unacknowledged: traffic.unacknowledged,
    signals: traffic.signals,
    runs: settled.runs,
    steps,
    ledger,
    deaths,
    faultCounts: required,
    faultErrors: faults.errors,
  });
  const ok = Object.values(verdict.checks).every((c) => c.failures === 0);
  const count = (status: number) => settled.runs.filter((r) => r.status === status).length;
  const summary: Summary = {
    chaos: "summary",
    ok,
    mode: o.quick ? "quick" : "full",
    directDb: o.directDb,
    seed: o.seed,
    faultSeconds: o.faultMs / 1000,
    elapsedSeconds: Math.round((Date.now() - t0) / 1000),
    runs: {
      sent: traffic.accepted.length + traffic.unacknowledged.length,
      accepted: traffic.accepted.length,
      total: settled.runs.length,
      children: settled.runs.filter((r) => r.functionId === "chaos-child").length,
      completed: count(5),
      failed: count(6),
      cancelled: count(7),
      open: settled.open.length,
      failedAsPlanned: traffic.accepted.filter((s) => s.plan.fail === "throw").length,
    },
    steps: {
      stored: [...steps.values()].reduce((a, s) => a + s.length, 0),
      storedWithToken: verdict.storedStepsWithToken,
      ledgerEntries: ledger.entries.length,
      ranAgainBeforeStored: verdict.bodiesRunAgainBeforeStore,
      tornLedgerLines: ledger.torn,
    },
    faults: faults.counts,
    checks: verdict.checks,
    workDir,
  };
  printSummary(summary);
  return ok;
}

const limit = setTimeout(() => {
  log(`the suite exceeded its limit of ${opts.limitMs / 1000} s; stopping everything`);
  printAborted(`the suite exceeded its limit of ${opts.limitMs / 1000} s`);
  void teardown().finally(() => process.exit(3));
}, opts.limitMs);
limit.unref();
const onSignal = () => void teardown().finally(() => process.exit(130));
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);

let passed = false;
try {
  passed = await main(opts);
} catch (err) {
  log(`the suite failed: ${(err as Error).stack ?? String(err)}\n${usage}`);
  printAborted(`the suite failed: ${(err as Error).message ?? String(err)}`);
}
await teardown();
if (passed && !opts.keep) rmSync(workDir, { recursive: true, force: true });
clearTimeout(limit);
log(passed ? "PASS" : `FAIL (logs and ledger in ${workDir})`);
process.exit(passed ? 0 : 1);
