import { parse } from "@marcbachmann/cel-js";
import { ErrorReason, ReasonError } from "@tenax/proto";

export type CompiledExpression = (ctx: Record<string, unknown>) => unknown;

const cache = new Map<string, CompiledExpression>();

/** Compiles a CEL expression once; throws a ReasonError `invalid_expression` quoting it when it does not parse. */
export function compileExpression(expr: string): CompiledExpression {
  let fn = cache.get(expr);
  if (fn) return fn;
  try {
    fn = parse(expr) as CompiledExpression;
  } catch (err) {
    throw new ReasonError(ErrorReason.INVALID_EXPRESSION, `${JSON.stringify(expr)}: ${(err as Error).message}`);
  }
  cache.set(expr, fn);
  return fn;
}

/**
 * Evaluates a filter. An evaluation error (a missing field, a type mismatch) means "no match":
 * a filter over a field an event lacks must not crash anything.
 */
export function matchesExpression(expr: string, ctx: Record<string, unknown>): boolean {
  if (!expr) return true;
  try {
    return compileExpression(expr)(ctx) === true;
  } catch {
    return false;
  }
}
