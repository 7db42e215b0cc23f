import { toJson } from "@bufbuild/protobuf";
import { compileExpression, limits, parseCron } from "@tenax/engine";
import { FunctionConfigSchema, type FunctionConfig } from "@tenax/proto";
import { findUnstorable, unstorableMessage } from "@tenax/state";

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * Checks one function config; returns a message naming the function and the field, or null.
 * Expressions are compiled here so a bad one fails registration, not every event.
 */
export function validateFunctionConfig(fn: FunctionConfig): string | null {
  const at = `function "${fn.id}"`;
  if (!fn.id) return `function id: is required`;
  if (fn.id.length > limits.functionIdMaxChars || !idPattern.test(fn.id)) {
    return `${at}: id must be 1..${limits.functionIdMaxChars} characters of letters, digits and . _ : / -`;
  }
  // Configs are stored as jsonb: a NUL or lone surrogate anywhere would fail every registration.
  const unstorable = findUnstorable(toJson(FunctionConfigSchema, fn), "config");
  if (unstorable) return `${at}: ${unstorableMessage(unstorable)}`;
  if (fn.triggers.length === 0) return `${at}: triggers: at least one trigger is required`;
  if (fn.triggers.length > limits.triggersPerFunction) {
    return `${at}: triggers: ${fn.triggers.length} triggers exceed the limit of ${limits.triggersPerFunction}`;
  }
  for (const [i, t] of fn.triggers.entries()) {
    if (t.kind.case === "event") {
      if (!t.kind.value.event) return `${at}: triggers[${i}].event: is required`;
      if (t.kind.value.event.length > limits.eventNameMaxChars) return `${at}: triggers[${i}].event: longer than ${limits.eventNameMaxChars} characters`;
      const problem = expressionProblem(t.kind.value.expression);
      if (problem) return `${at}: triggers[${i}].if: ${problem}`;
    } else if (t.kind.case === "cron") {
      if (!t.kind.value.cron.trim()) return `${at}: triggers[${i}].cron: is required`;
      const problem = cronProblem(t.kind.value.cron);
      if (problem) return `${at}: triggers[${i}].cron: ${problem}`;
    } else {
      return `${at}: triggers[${i}]: must be an event or a cron trigger`;
    }
  }
  if (fn.retries !== undefined && (!Number.isInteger(fn.retries) || fn.retries < 0 || fn.retries > limits.retriesMax)) {
    return `${at}: retries: ${fn.retries} is outside 0..${limits.retriesMax}`;
  }
  if (fn.concurrency.length > 2) return `${at}: concurrency: at most 2 limits, got ${fn.concurrency.length}`;
  for (const [i, c] of fn.concurrency.entries()) {
    if (c.limit < 1) return `${at}: concurrency[${i}].limit: must be at least 1`;
    const problem = expressionProblem(c.key);
    if (problem) return `${at}: concurrency[${i}].key: ${problem}`;
  }
  if (fn.cancelOn.length > 5) return `${at}: cancelOn: at most 5 rules, got ${fn.cancelOn.length}`;
  const problem = expressionProblem(fn.idempotency);
  if (problem) return `${at}: idempotency: ${problem}`;
  return null;
}

function expressionProblem(expr: string): string | null {
  if (!expr) return null;
  try {
    compileExpression(expr);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function cronProblem(cron: string): string | null {
  try {
    parseCron(cron);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
