const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * JSON-encodes a value to UTF-8 bytes. undefined (and anything JSON.stringify
 * turns into nothing) becomes `null`, because a step or run always has an
 * output. Throws on circular structures and bigint, like JSON.stringify.
 */
export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  return encoder.encode(text === undefined ? "null" : text);
}

/** Decodes UTF-8 JSON bytes; empty bytes mean `null`. */
export function decodeJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return null;
  return JSON.parse(decoder.decode(bytes));
}

/** Applies the JSON round trip to a value (Date → string, undefined fields dropped). */
export function jsonRoundTrip<T = unknown>(value: unknown): T {
  return decodeJson(encodeJson(value)) as T;
}
