import { readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** A mistake on the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** A command's name and help text (`tenax <name> --help`). */
export interface CommandHelp {
  /** "send", "runs list", … */
  name: string;
  usage: string;
}

const helpOption = { help: { type: "boolean", short: "h" } } as const;

/** What the options parse to (no `multiple` options here): booleans and strings, each optional. */
export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string };
  positionals: string[];
}

/**
 * Parses a command's arguments strictly (node:util parseArgs): an unknown flag, a flag without
 * its value or a missing or extra argument is a UsageError. Every command takes `-h`/`--help`:
 * then the usage is printed and the result is undefined (the command does nothing else).
 */
export function parseCommand<const O extends Options>(
  command: CommandHelp,
  args: string[],
  options: O,
  positionals: { min?: number; max?: number; names?: string[] } = {},
): Parsed<O> | undefined {
  let parsed: Parsed<O> & { values: { help?: boolean } };
  try {
    parsed = parseArgs({ args, options: { ...options, ...helpOption }, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError(`tenax ${command.name}: ${parseErrorMessage(err)}`, command.usage);
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage);
    return undefined;
  }
  const { min = 0, max = 0 } = positionals;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals[max]!;
    throw new UsageError(`tenax ${command.name}: unexpected argument ${JSON.stringify(extra)}`, command.usage);
  }
  if (parsed.positionals.length < min) {
    const missing = positionals.names?.[parsed.positionals.length] ?? "an argument";
    throw new UsageError(`tenax ${command.name}: missing ${missing}`, command.usage);
  }
  return parsed;
}

function parseErrorMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const option = /'(-[^' ]+)/.exec(e.message ?? "")?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown option ${option}`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option && /argument missing|ambiguous/.test(e.message ?? "")) {
    return `${option} needs a value (write ${option}=<value> for a value that starts with "-")`;
  }
  return (e.message ?? String(err)).split("\n")[0]!;
}

/** A flag whose value must be one of `allowed`: otherwise a UsageError listing them. */
export function oneOf<T extends string>(command: CommandHelp, flag: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`tenax ${command.name}: ${flag} ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`, command.usage);
}

/** A positive whole number flag. */
export function positiveInt(command: CommandHelp, flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`tenax ${command.name}: ${flag} ${JSON.stringify(value)} is not a positive whole number`, command.usage);
  return n;
}

/**
 * A JSON value given as text, `@file` (read from the file) or `-` (read from stdin): what
 * `--data` takes, so a payload larger than the shell's argument limit can be sent.
 */
export function readJsonArgument(command: CommandHelp, flag: string, value: string, readStdin: () => string = () => readFileSync(0, "utf8")): unknown {
  let text = value;
  let source = flag;
  if (value === "-") {
    text = readStdin();
    source = `${flag} - (stdin)`;
  } else if (value.startsWith("@")) {
    const file = value.slice(1);
    source = `${flag} ${value}`;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`tenax ${command.name}: ${source}: cannot read ${file}: ${(err as Error).message}`, command.usage);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`tenax ${command.name}: ${source} is not valid JSON: ${(err as Error).message}`, command.usage);
  }
}
