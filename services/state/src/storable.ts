/**
 * What Postgres cannot hold. A `text` value cannot contain NUL (U+0000) and, being UTF-8,
 * cannot contain a lone UTF-16 surrogate; `jsonb` refuses both even as `\u` escapes. JSON
 * *text* escapes them (`JSON.stringify` writes `\u0000` and `\ud83d`), so a value kept as JSON
 * text in a `text` column survives exactly; the same value as a string field or inside `jsonb`
 * makes the whole statement fail. Values are checked here before they reach a statement, so
 * that a bad value fails once with a clear error instead of failing the same write forever.
 */

const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const loneSurrogate = new RegExp(loneSurrogates.source);

/** Why a string cannot be stored as Postgres text, or null when it can. */
export function unstorableReason(s: string): string | null {
  if (s.includes("\0")) return "contains a NUL character (\\u0000)";
  if (loneSurrogate.test(s)) return "contains a lone UTF-16 surrogate (not valid Unicode)";
  return null;
}

/** The first string or key inside a JSON-like value that Postgres cannot store, with its path. */
export function findUnstorable(value: unknown, path: string): { path: string; reason: string } | null {
  if (typeof value === "string") {
    const reason = unstorableReason(value);
    return reason ? { path, reason } : null;
  }
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findUnstorable(value[i], `${path}[${i}]`);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const keyReason = unstorableReason(k);
    if (keyReason) return { path: `${path} key ${JSON.stringify(k)}`, reason: keyReason };
    // An identifier-like key reads as `.key`; any other (spaces, newlines, quotes) is quoted.
    const hit = findUnstorable(v, /^[A-Za-z_$][\w$-]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
    if (hit) return hit;
  }
  return null;
}

/** `message` for a value that cannot be stored, naming where it is. */
export function unstorableMessage(hit: { path: string; reason: string }): string {
  return `${hit.path} ${hit.reason}, which Postgres cannot store`;
}

// JSON.stringify escapes exactly the characters jsonb refuses; well-formed pairs stay raw.
const suspectEscape = /\\u0000|\\u[dD][89a-fA-F]/;

/** A cheap test of JSON text: false means no string in it can be unstorable (no walk needed). */
export function mayHoldUnstorable(json: string): boolean {
  return suspectEscape.test(json) || json.includes("\0");
}

/**
 * A statement refused a value (SQLSTATE class 22, "data exception"): sending the same write
 * again fails the same way, so the caller must fail the work instead of retrying it.
 */
export function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("22");
}

/**
 * JSON text that `::jsonb` accepts: the text itself when it can be cast, otherwise the same
 * value with NUL and lone surrogates replaced by U+FFFD. Used where a value is copied into
 * jsonb (lifecycle event payloads) while its own copy is kept exactly as text.
 */
export function jsonbSafeText(json: string): string {
  if (!suspectEscape.test(json)) return json;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return "null";
  }
  return findUnstorable(value, "") ? JSON.stringify(replaceUnstorable(value)) : json;
}

/** The value with every NUL and lone surrogate (in strings and keys) replaced by U+FFFD. */
export function replaceUnstorable<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\0", "\ufffd").replace(loneSurrogates, "\ufffd") as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(replaceUnstorable) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [replaceUnstorable(k), replaceUnstorable(v)])) as T;
}
