// The one summary a chaos run prints: a short table for people, then one JSON line for machines
// (the last line of stdout), and whether the run passed.
import type { Verdict } from "./checks.js";
import type { FaultCounts } from "./faults.js";

export interface Summary {
  chaos: "summary";
  ok: boolean;
  mode: "quick" | "full";
  /** Services connected straight to Postgres (no cut faults). */
  directDb: boolean;
  seed: number;
  faultSeconds: number;
  elapsedSeconds: number;
  runs: Record<string, number>;
  steps: Record<string, number>;
  faults: FaultCounts;
  checks: Verdict["checks"];
  workDir: string;
}

/** The fault kinds that must each hit at least once. */
export function requiredFaults(f: FaultCounts, cuts: boolean): Record<string, number> {
  const required: Record<string, number> = {
    "kill ingest": f.kills.ingest,
    "kill scheduler": f.kills.scheduler,
    "kill executor": f.kills.executor,
    "kill worker": f.kills.worker,
    "postgres restart": f.postgresRestarts,
  };
  if (cuts) Object.assign(required, { "cut after COMMIT reply": f.cuts.commit, "cut after autocommit write reply": f.cuts.write });
  return required;
}

export function printSummary(s: Summary): void {
  const rows: [string, string][] = [
    ["result", s.ok ? "PASS" : "FAIL"],
    ["mode / seed", `${s.mode} / ${s.seed}`],
    ["faults for / elapsed", `${s.faultSeconds} s / ${s.elapsedSeconds} s`],
    [
      "runs",
      Object.entries(s.runs)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
    [
      "steps",
      Object.entries(s.steps)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
    ...Object.entries(requiredFaults(s.faults, !s.directDb)).map(([k, v]): [string, string] => [`fault: ${k}`, String(v)]),
    [
      "cuts by statement",
      Object.entries(s.faults.cutsByLabel)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
    ...Object.entries(s.checks).map(([k, c]): [string, string] => [`check: ${k}`, c.failures === 0 ? "ok" : `${c.failures} FAILED`]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = ["", "chaos summary", ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  for (const [k, c] of Object.entries(s.checks)) for (const e of c.examples) lines.push(`  ${k}: ${e}`);
  lines.push(`  work directory: ${s.workDir}${s.ok ? " (removed)" : " (kept: logs, ledger)"}`);
  process.stdout.write(`${lines.join("\n")}\n${JSON.stringify(s)}\n`);
}
