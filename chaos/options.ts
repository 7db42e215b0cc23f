// Command-line flags of `npm run chaos`. Quick mode is what CI runs: shorter, with the fault
// intervals scaled down so that every kind of fault still hits, and well under 5 minutes.
import type { FaultTimings } from "./faults.js";

export interface ChaosOptions {
  quick: boolean;
  /** How long faults are injected (and events sent), ms. */
  faultMs: number;
  /** How many workflow runs to start. */
  runs: number;
  seed: number;
  /** How long runs may take to end once the faults stopped, ms. */
  settleMs: number;
  /** The whole suite's limit, ms: past it, it reports what it has and fails. */
  limitMs: number;
  /** Keep the work directory (logs, ledger) even when the run passes. */
  keep: boolean;
  /** Services connect straight to Postgres, without the cutting proxy (no cut faults): tells a proxy artefact from a Tenax defect. */
  directDb: boolean;
  timings: FaultTimings;
}

export const usage = "usage: npm run chaos [-- --quick] [--duration <seconds of faults>] [--runs <n>] [--seed <n>] [--settle <seconds>] [--keep] [--direct-db]";

const full: FaultTimings = { killMs: [1000, 3000], postgresMs: [10_000, 20_000], postgresDownMs: [0, 1500], cutMs: [1500, 4000] };
const quick: FaultTimings = { killMs: [700, 1800], postgresMs: [6000, 10_000], postgresDownMs: [0, 1000], cutMs: [800, 2500] };

export function parseOptions(argv: string[]): ChaosOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    if (flag === "--quick" || flag === "--keep" || flag === "--direct-db") flags.set(flag, "1");
    else if (["--duration", "--runs", "--seed", "--settle"].includes(flag)) flags.set(flag, inline ?? argv[++i] ?? "");
    else throw new Error(`[invalid_argument] unknown argument ${argv[i]}\n${usage}`);
  }
  const isQuick = flags.has("--quick");
  const num = (flag: string, fallback: number) => {
    if (!flags.has(flag)) return fallback;
    const n = Number(flags.get(flag));
    if (!Number.isFinite(n) || n <= 0) throw new Error(`[invalid_argument] ${flag} must be a positive number\n${usage}`);
    return n;
  };
  const faultS = num("--duration", isQuick ? 40 : 600);
  const settleS = num("--settle", isQuick ? 120 : 300);
  return {
    quick: isQuick,
    faultMs: faultS * 1000,
    runs: Math.round(num("--runs", isQuick ? 150 : 1500)),
    seed: Math.round(num("--seed", Math.floor(Math.random() * 2 ** 31))),
    settleMs: settleS * 1000,
    // Setup, the faults, the settling, the checks: generous, but it always ends.
    limitMs: isQuick ? 280_000 : (faultS + settleS) * 1000 + 300_000,
    keep: flags.has("--keep"),
    directDb: flags.has("--direct-db"),
    timings: isQuick ? quick : full,
  };
}
