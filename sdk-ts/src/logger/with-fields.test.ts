import { describe, expect, it, vi } from "vitest";
import { createJsonLogger, type LogFields, type Logger } from "./logger.js";
import { createRunLogger } from "./run-logger.js";
import { withFields } from "./with-fields.js";

describe("withFields", () => {
  it("uses child() when the logger has it", () => {
    const lines: string[] = [];
    const logger = withFields(createJsonLogger({ write: (l) => lines.push(l) }), { runId: "r1" });
    logger.info("hello", { n: 1 });
    expect(JSON.parse(lines[0])).toMatchObject({ level: "info", msg: "hello", runId: "r1", n: 1 });
  });

  it("passes fields as the last argument otherwise, merging into a trailing plain object", () => {
    const calls: unknown[][] = [];
    const consoleLike = { debug() {}, info: (...args: unknown[]) => void calls.push(args), warn() {}, error() {} };
    const logger = withFields(consoleLike, { runId: "r1" });
    logger.info("a");
    logger.info("b", { runId: "mine", n: 1 });
    const err = new Error("x");
    (logger.info as (...args: unknown[]) => void)("c %s", err);
    logger.child!({ stepId: "s" }).info("d");
    expect(calls).toEqual([
      ["a", { runId: "r1" }],
      ["b", { runId: "mine", n: 1 }],
      ["c %s", err, { runId: "r1" }],
      ["d", { runId: "r1", stepId: "s" }],
    ]);
  });

  it("calls the methods on the logger itself (this is kept)", () => {
    class ClassLogger {
      lines: string[] = [];
      debug(message: string) {
        this.lines.push(message);
      }
      info(message: string) {
        this.lines.push(message);
      }
      warn(message: string) {
        this.lines.push(message);
      }
      error(message: string) {
        this.lines.push(message);
      }
    }
    const target = new ClassLogger();
    withFields(target, { a: 1 }).warn("kept");
    expect(target.lines).toEqual(["kept"]);
  });
});

describe("createRunLogger", () => {
  it("drops calls while there are no fields and derives one child per fields object", () => {
    const info = vi.fn();
    const child = vi.fn((fields: LogFields) => ({ debug() {}, info: (m: string, f?: LogFields) => info(m, { ...fields, ...f }), warn() {}, error() {} }));
    let current: LogFields | undefined;
    const logger = createRunLogger({ debug() {}, info() {}, warn() {}, error() {}, child }, () => current);
    logger.info("muted");
    const run = { runId: "r1" };
    current = run;
    logger.info("one");
    logger.info("two", { n: 2 });
    expect(child).toHaveBeenCalledTimes(1);
    expect(info.mock.calls).toEqual([
      ["one", { runId: "r1" }],
      ["two", { runId: "r1", n: 2 }],
    ]);
  });
});

describe("Logger compatibility", () => {
  // The call signatures of pino's and winston's loggers, reduced to what matters for assignability.
  interface PinoLogFn {
    <T extends object>(obj: T, msg?: string, ...args: any[]): void;
    (obj: unknown, msg?: string, ...args: any[]): void;
    (msg: string, ...args: any[]): void;
  }
  interface PinoLike {
    debug: PinoLogFn;
    info: PinoLogFn;
    warn: PinoLogFn;
    error: PinoLogFn;
    child<L extends string = never>(bindings: Record<string, unknown>, options?: { level?: L }): PinoLike;
  }
  interface WinstonLeveled {
    (message: string, ...meta: any[]): WinstonLike;
    (message: any): WinstonLike;
    (infoObject: object): WinstonLike;
  }
  interface WinstonLike {
    debug: WinstonLeveled;
    info: WinstonLeveled;
    warn: WinstonLeveled;
    error: WinstonLeveled;
    child(options: object): WinstonLike;
  }

  it("accepts console, pino-like and winston-like loggers", () => {
    const accept = (logger: Logger) => logger;
    accept(console);
    accept({} as PinoLike);
    accept({} as WinstonLike);
    const calls: unknown[][] = [];
    const pino: PinoLike = {
      debug() {},
      info: (...args: unknown[]) => void calls.push(args),
      warn() {},
      error() {},
      child: (bindings) => ({ ...pino, info: (...args: unknown[]) => void calls.push([bindings, ...args]) }),
    };
    withFields(pino, { runId: "r1" }).info("hello");
    expect(calls).toEqual([[{ runId: "r1" }, "hello"]]);
  });
});
