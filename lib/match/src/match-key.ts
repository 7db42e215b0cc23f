import { createHash } from "node:crypto";
import { compileExpression } from "./expressions.js";
import { getPath, type EventJson } from "./wait-match.js";

/**
 * Waits and cancelOn rules are looked up by a key instead of being tried one by one: most of
 * them compare one field of the candidate event with a value fixed when they were created —
 * `match: "data.orderId"`, or an `if` of the form `async.data.x == event.data.y` (alone or
 * and-ed with more). Such a listener stores the candidate's field path and a hash of the value
 * the candidate must have there; ingest hashes each new event's value at every path listeners
 * use and fetches only the listeners with that (name, path, hash). `waitMatches` still decides:
 * the key only narrows the candidates, so it may let through a listener that then does not
 * match, never hold back one that would.
 */
export type ListenerKey =
  /** Only events whose value at `path` hashes to `key` can match. */
  | { kind: "keyed"; path: string; key: string }
  /** Nothing can match (the field the key comes from is missing on the run's event). */
  | { kind: "never"; path: string }
  /** No key: tried against every event of its name. */
  | { kind: "scan" };

/** The hash of a value as keys compare it (its JSON text, as `match` compares values). */
export function valueKey(value: unknown): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("base64");
}

const stripRoot = (path: string) => path.replace(/^(event|async)\./, "");

export function listenerKey(l: { match: string; expression: string; triggerEvent: Record<string, unknown> | null }): ListenerKey {
  const trigger = l.triggerEvent ?? {};
  if (l.match) {
    const path = stripRoot(l.match);
    const value = getPath(trigger, l.match);
    return value === undefined ? { kind: "never", path } : { kind: "keyed", path, key: valueKey(value) };
  }
  if (!l.expression) return { kind: "scan" };
  const equality = keyedEquality(l.expression);
  if (!equality) return { kind: "scan" };
  const value = getPath(trigger, equality.triggerPath);
  // CEL compares maps and lists regardless of key order, JSON text does not: only scalars key.
  if (value === undefined) return { kind: "never", path: equality.candidatePath };
  if (value === null || typeof value === "object") return { kind: "scan" };
  return { kind: "keyed", path: equality.candidatePath, key: valueKey(value) };
}

/** The key a candidate event has at a listener path, or undefined when it has nothing there. */
export function eventKeyAt(candidate: EventJson, path: string): string | undefined {
  const value = getPath(candidate as unknown as Record<string, unknown>, path);
  return value === undefined ? undefined : valueKey(value);
}

interface Node {
  op: string;
  args: unknown;
}

/** `async.<path> == event.<path>` (either side first) at the top of the expression's `&&` chain. */
function keyedEquality(expression: string): { candidatePath: string; triggerPath: string } | null {
  let ast: Node;
  try {
    ast = (compileExpression(expression) as unknown as { ast: Node }).ast;
  } catch {
    return null;
  }
  const conjuncts: Node[] = [];
  const flatten = (n: Node) => (n.op === "&&" && Array.isArray(n.args) ? (n.args as Node[]).forEach(flatten) : conjuncts.push(n));
  flatten(ast);
  for (const c of conjuncts) {
    if (c.op !== "==" || !Array.isArray(c.args)) continue;
    const [a, b] = (c.args as Node[]).map(fieldPath);
    if (a?.root === "async" && b?.root === "event") return { candidatePath: a.path, triggerPath: b.path };
    if (a?.root === "event" && b?.root === "async") return { candidatePath: b.path, triggerPath: a.path };
  }
  return null;
}

/** `event.data.x` → { root: "event", path: "data.x" }; anything but a plain field chain → null. */
function fieldPath(n: Node | undefined): { root: string; path: string } | null {
  const keys: string[] = [];
  let cur = n;
  while (cur && cur.op === "." && Array.isArray(cur.args) && typeof cur.args[1] === "string") {
    keys.unshift(cur.args[1]);
    cur = cur.args[0] as Node;
  }
  if (!cur || cur.op !== "id" || typeof cur.args !== "string" || keys.length === 0) return null;
  return { root: cur.args, path: keys.join(".") };
}
