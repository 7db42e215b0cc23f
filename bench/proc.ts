// Child processes whose JSON log lines can be awaited (the approach of test/setup/process.ts,
// copied so the bench does not depend on the test package).
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Last lines only (bounded), for error messages. */
  readonly tail: LogLine[];
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Called for every line (e.g. to collect warnings/errors). */
  onLine(fn: (l: LogLine) => void): void;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const TAIL = 50;

export function startProcess(name: string, args: string[], env: Record<string, string>, cwd = process.cwd()): Proc {
  // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of every thread of every process (on a
  // clean exit) to <dir>/<name>/. No fixed file name: tsx's loader thread would overwrite the
  // main thread's profile. The main thread's is the largest file.
  const profile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${join(process.env.BENCH_CPU_PROFILE, name)}`] : [];
  const child = spawn(process.execPath, [...profile, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const tail: LogLine[] = [];
  const listeners: ((l: LogLine) => void)[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const onRaw = (raw: string) => {
    let line: LogLine;
    try {
      line = JSON.parse(raw);
      if (typeof line !== "object" || line === null) line = { msg: raw, raw: true };
    } catch {
      line = { msg: raw, raw: true };
    }
    tail.push(line);
    if (tail.length > TAIL) tail.shift();
    if (process.env.TENAX_BENCH_VERBOSE) process.stderr.write(`[${name}] ${raw}\n`);
    for (const fn of listeners) fn(line);
    for (const w of waiters)
      if (w.pred(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
  };
  createInterface({ input: child.stdout! }).on("line", onRaw);
  createInterface({ input: child.stderr! }).on("line", onRaw);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const describeTail = () =>
    tail
      .slice(-15)
      .map((l) => JSON.stringify(l))
      .join("\n");
  return {
    name,
    child,
    tail,
    exited,
    onLine: (fn) => void listeners.push(fn),
    waitFor(pred, timeoutMs = 30_000) {
      const found = tail.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: LogLine) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; last lines:\n${describeTail()}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((code) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(t);
          reject(new Error(`${name} exited (${code}) before the awaited log line; last lines:\n${describeTail()}`));
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
