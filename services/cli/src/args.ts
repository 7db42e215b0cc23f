/** Reads `--name value` flags; positional arguments are returned in order. */
export function parseArgs(args: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) flags[a.slice(2)] = args[++i] ?? "";
    else positional.push(a);
  }
  return { flags, positional };
}
