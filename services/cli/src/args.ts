/**
 * Reads `--name value` flags (`--name` alone for the names in `booleans`, set to "true");
 * positional arguments are returned in order.
 */
export function parseArgs(args: string[], booleans: readonly string[] = []): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) flags[a.slice(2)] = booleans.includes(a.slice(2)) ? "true" : (args[++i] ?? "");
    else positional.push(a);
  }
  return { flags, positional };
}
