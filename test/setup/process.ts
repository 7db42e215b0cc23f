import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export type LogLine = Record<string, unknown> & { msg?: string };

/** A child process whose JSON log lines can be awaited (never a fixed sleep). */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: LogLine[];
  waitFor(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** Its own process group (as a terminal runs a command): `process.kill(-pid, …)` signals the whole group. */
  detached?: boolean;
  /** Written to its stdin, which is then closed. */
  input?: string;
}

export function startProcess(name: string, args: string[], env: Record<string, string>, cwd = process.cwd(), options: StartOptions = {}): Proc {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  const lines: LogLine[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const onLine = (raw: string) => {
    let line: LogLine;
    try {
      line = JSON.parse(raw);
    } catch {
      line = { msg: raw, raw: true };
    }
    lines.push(line);
    if (process.env.TENAX_TEST_VERBOSE) process.stderr.write(`[${name}] ${raw}\n`);
    for (const w of waiters)
      if (w.pred(line)) {
        waiters.delete(w);
        w.resolve(line);
      }
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", onLine);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    name,
    child,
    lines,
    exited,
    waitFor(pred, timeoutMs = 30_000) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: LogLine) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.delete(w);
          const tail = lines
            .slice(-15)
            .map((l) => JSON.stringify(l))
            .join("\n");
          reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; last lines:\n${tail}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((code) => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(t);
          reject(
            new Error(
              `${name} exited (${code}) before the awaited log line; last lines:\n${lines
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join("\n")}`,
            ),
          );
        });
      });
    },
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
