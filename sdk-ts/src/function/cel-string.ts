const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `value` as a double-quoted CEL string literal: backslash, quote and control characters escaped. */
export function celString(value: string): string {
  const body = value.replace(/[\\"\u0000-\u001f\u007f]/g, (ch) => ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${body}"`;
}
