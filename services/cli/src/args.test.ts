import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { oneOf, parseCommand, positiveInt, readJsonArgument, UsageError } from "./args.js";

const cmd = { name: "send", usage: "usage: tenax send <name>\n" };
const options = { data: { type: "string" }, json: { type: "boolean" } } as const;

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).usage).toBe(cmd.usage);
    return err as UsageError;
  }
  throw new Error("no UsageError");
}

afterEach(() => vi.restoreAllMocks());

describe("parseCommand", () => {
  it("parses flags and positionals", () => {
    expect(parseCommand(cmd, ["demo/hello", "--data", '{"a":1}', "--json"], options, { min: 1, max: 1 })).toEqual({
      values: { data: '{"a":1}', json: true },
      positionals: ["demo/hello"],
    });
  });

  it("refuses an unknown flag, a flag without its value, missing and extra arguments", () => {
    expect(usageError(() => parseCommand(cmd, ["x", "--dta", "{}"], options, { max: 1 })).message).toBe("tenax send: unknown option --dta");
    expect(usageError(() => parseCommand(cmd, ["x", "--data"], options, { max: 1 })).message).toMatch(/^tenax send: --data needs a value/);
    expect(usageError(() => parseCommand(cmd, ["x", "--data", "--json"], options, { max: 1 })).message).toMatch(/--data needs a value/);
    expect(usageError(() => parseCommand(cmd, [], options, { min: 1, max: 1, names: ["<name>"] })).message).toBe("tenax send: missing <name>");
    expect(usageError(() => parseCommand(cmd, ["a", "b"], options, { max: 1 })).message).toBe('tenax send: unexpected argument "b"');
    expect(usageError(() => parseCommand(cmd, ["--json=yes"], options)).message).toMatch(/--json' does not take an argument/);
  });

  it("prints the usage for -h and --help, whatever else is given", () => {
    const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(parseCommand(cmd, ["--help"], options, { min: 1 })).toBeUndefined();
    expect(parseCommand(cmd, ["x", "-h"], options, { min: 1 })).toBeUndefined();
    expect(out).toHaveBeenCalledWith(cmd.usage);
  });
});

describe("values", () => {
  it("lists the valid values of a flag", () => {
    expect(oneOf(cmd, "--status", "FAILED", ["failed", "completed"])).toBe("failed");
    expect(usageError(() => oneOf(cmd, "--status", "bogus", ["failed", "completed"])).message).toBe(
      'tenax send: --status "bogus" is not one of failed, completed',
    );
    expect(positiveInt(cmd, "--limit", "20")).toBe(20);
    expect(usageError(() => positiveInt(cmd, "--limit", "0")).message).toMatch(/--limit "0" is not a positive whole number/);
  });

  it("reads JSON from the text, @file or - (stdin)", () => {
    const dir = mkdtempSync(join(tmpdir(), "tenax-args-"));
    const file = join(dir, "data.json");
    writeFileSync(file, '{"big":"payload"}');
    expect(readJsonArgument(cmd, "--data", '{"a":1}')).toEqual({ a: 1 });
    expect(readJsonArgument(cmd, "--data", `@${file}`)).toEqual({ big: "payload" });
    expect(readJsonArgument(cmd, "--data", "-", () => '{"from":"stdin"}')).toEqual({ from: "stdin" });
    expect(usageError(() => readJsonArgument(cmd, "--data", "{nope")).message).toMatch(/^tenax send: --data is not valid JSON/);
    expect(usageError(() => readJsonArgument(cmd, "--data", `@${dir}/missing.json`)).message).toMatch(/--data @.*missing\.json: cannot read .*ENOENT/);
    expect(usageError(() => readJsonArgument(cmd, "--data", "-", () => "")).message).toMatch(/--data - \(stdin\) is not valid JSON/);
  });
});
