import { Environment } from "@marcbachmann/cel-js";
import { ErrorReason, ReasonError } from "@tenax/proto";
import { RE2JS } from "re2js";
import { createLru } from "./lru.js";

export type CompiledExpression = (ctx: Record<string, unknown>) => unknown;

/** What one expression may be (each is evaluated once per candidate event, inside ingest's transaction). */
export const expressionLimits = {
  /** Characters of an expression's text. */
  maxChars: 4096,
  /** Nodes of its syntax tree. */
  maxAstNodes: 500,
  /** Nesting depth. */
  maxDepth: 32,
  /** Comprehensions (all, exists, exists_one, map, filter) inside one another. */
  maxComprehensionNesting: 1,
  /** Compiled expressions kept (least recently used dropped). */
  cacheEntries: 10_000,
  /** Compiled regular expressions of `matches()` kept. */
  regexCacheEntries: 1_000,
} as const;

// `string.matches(pattern)` runs on RE2 (re2js: linear time, RE2 syntax, as CEL specifies) rather
// than the library's JavaScript RegExp, whose backtracking a pattern such as `^(a+)+$` turns
// exponential. The library's own overload cannot be replaced, so parsed calls are renamed to ours.
const RE2_MATCHES = "re2Matches";
const regexes = createLru<string, RE2JS>(expressionLimits.regexCacheEntries);
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  limits: { maxAstNodes: expressionLimits.maxAstNodes, maxDepth: expressionLimits.maxDepth },
}).registerFunction(`string.${RE2_MATCHES}(string): bool`, (text: string, pattern: string) => {
  let re = regexes.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern); // a pattern RE2 does not accept throws: an evaluation error, no match
    regexes.set(pattern, re);
  }
  return re.matcher(text).find();
});

interface AstNode {
  op: string;
  args: unknown;
}

const comprehensions = new Set(["all", "exists", "exists_one", "map", "filter"]);

/**
 * Renames `matches` calls to the RE2 one, and refuses a comprehension inside another: one over a
 * list of n elements costs n evaluations, two nested n² (an event of 512 KiB holds ~100,000).
 */
function prepare(node: unknown, inComprehension = false): void {
  if (Array.isArray(node)) return node.forEach((n) => prepare(n, inComprehension));
  if (!node || typeof node !== "object" || !("op" in node)) return;
  const n = node as AstNode;
  let inner = inComprehension;
  if (n.op === "rcall" && Array.isArray(n.args)) {
    if (n.args[0] === "matches") n.args[0] = RE2_MATCHES;
    if (comprehensions.has(n.args[0] as string)) {
      if (inComprehension) throw new Error(`a ${String(n.args[0])}() inside another comprehension: at most ${expressionLimits.maxComprehensionNesting} level`);
      inner = true;
    }
  }
  prepare(n.args, inner);
}

const cache = createLru<string, CompiledExpression>(expressionLimits.cacheEntries);

/**
 * Compiles a CEL expression once; throws a ReasonError `invalid_expression` quoting it when it
 * does not parse or is over a limit (expressionLimits).
 */
export function compileExpression(expr: string): CompiledExpression {
  let fn = cache.get(expr);
  if (fn) return fn;
  if (expr.length > expressionLimits.maxChars)
    throw new ReasonError(ErrorReason.INVALID_EXPRESSION, `an expression of ${expr.length} characters: the limit is ${expressionLimits.maxChars}`);
  try {
    const parsed = environment.parse(expr) as CompiledExpression & { ast: unknown };
    prepare(parsed.ast);
    fn = parsed;
  } catch (err) {
    throw new ReasonError(ErrorReason.INVALID_EXPRESSION, `${JSON.stringify(expr)}: ${(err as Error).message}`);
  }
  cache.set(expr, fn);
  return fn;
}

/** How many compiled expressions are cached (for tests: the cache is bounded). */
export function compiledExpressionCount(): number {
  return cache.size;
}

/**
 * Evaluates a filter. An evaluation error (a missing field, a type mismatch, a pattern RE2 does
 * not accept) means "no match": a filter over a field an event lacks must not crash anything.
 */
export function matchesExpression(expr: string, ctx: Record<string, unknown>): boolean {
  if (!expr) return true;
  try {
    return compileExpression(expr)(ctx) === true;
  } catch {
    return false;
  }
}
