// The ledger: one append-only file that every worker process writes a line to each time a step
// body runs. It lives outside Postgres, so it survives worker SIGKILLs and database restarts.
// All workers append to the same file with O_APPEND: each line is one write(2), which Linux
// places atomically at the end, so the file order is the global order in which bodies ran
// (what the re-run check needs). Each append is fdatasync'd before the body returns.
import { existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { randomUUID } from "node:crypto";

export interface LedgerEntry {
  /** Unique token; a successful body returns it in its output (a failing one puts it in its error). */
  t: string;
  /** Run id. */
  r: string;
  /** Step id as written in the function. */
  s: string;
  /** "ok": the body returned; "throw": it threw. */
  k: "ok" | "throw";
  /** The handler's attempt. */
  a: number;
  /** Worker name and pid. */
  w: string;
  /** Wall-clock ms (for reading it by eye; the order is the file's). */
  at: number;
}

export interface LedgerWriter {
  /** Appends an entry with a fresh token; returns the token. */
  append(entry: Omit<LedgerEntry, "t" | "w" | "at">): string;
}

export function openLedger(file: string, worker: string): LedgerWriter {
  const fd = openSync(file, "a");
  return {
    append(entry) {
      const t = randomUUID();
      writeSync(fd, `${JSON.stringify({ t, ...entry, w: worker, at: Date.now() })}\n`);
      fdatasyncSync(fd);
      return t;
    },
  };
}

export interface Ledger {
  entries: LedgerEntry[];
  /** Position in the file of the entry with this token. */
  indexOf: Map<string, number>;
  /** Position of the last entry of each "run/step". */
  lastOf: Map<string, number>;
  /** Lines that did not parse (a worker killed mid-write would leave one; O_APPEND writes make it unlikely). */
  torn: number;
}

export const stepKey = (runId: string, step: string) => `${runId}/${step}`;

export function readLedger(file: string): Ledger {
  const ledger: Ledger = { entries: [], indexOf: new Map(), lastOf: new Map(), torn: 0 };
  if (!existsSync(file)) return ledger;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    let e: LedgerEntry;
    try {
      e = JSON.parse(line) as LedgerEntry;
    } catch {
      ledger.torn++;
      continue;
    }
    const i = ledger.entries.push(e) - 1;
    ledger.indexOf.set(e.t, i);
    ledger.lastOf.set(stepKey(e.r, e.s), i);
  }
  return ledger;
}
