// Just enough of the Postgres wire protocol for the cutting proxy: framing of both directions
// and telling what a statement's reply was (a COMMIT, an autocommit write, and which write).

/** A message: type byte + int32 length (counting itself) + body. */
export interface Message {
  type: string;
  body: Buffer;
  /** The whole message, to forward as is. */
  raw: Buffer;
}

export const sslRequestCode = 80877103;

/** Splits complete messages off the front of `buf`; returns them and the unparsed rest. */
export function takeMessages(buf: Buffer): { messages: Message[]; rest: Buffer } {
  const messages: Message[] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    if (buf.length - at < 1 + len) break;
    const raw = buf.subarray(at, at + 1 + len);
    messages.push({ type: String.fromCharCode(raw[0]!), body: raw.subarray(5), raw });
    at += 1 + len;
  }
  return { messages, rest: buf.subarray(at) };
}

/** The first `n` NUL-terminated strings of a message body. */
export function cstrings(body: Buffer, n: number): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < n && at < body.length; i++) {
    const end = body.indexOf(0, at);
    if (end < 0) break;
    out.push(body.subarray(at, end).toString("utf8"));
    at = end + 1;
  }
  return out;
}

/**
 * Which single-statement write a statement is, from its SQL, or null for no write. Data-modifying
 * CTEs answer with a SELECT tag, so the SQL is what tells; the labels name the Tenax statements
 * the issue asks to cut (services/state/src/queries: stepsSave and friends, runsFinish, runSleep,
 * runRetryLater).
 */
export function writeLabel(sql: string): string | null {
  const s = sql.toLowerCase();
  if (!/\binsert\s+into\b|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b/.test(s)) return null;
  if (s.includes("ended_at = now()") && s.includes("update runs set status")) return "run end";
  if (s.includes("update runs set status = 'sleeping', attempt")) return "retry";
  if (s.includes("update runs set status = 'sleeping'")) return "sleep";
  if (s.includes("insert into steps")) return "step save";
  return "other write";
}

/** A statement's reply, up to and including its ReadyForQuery. */
export interface Reply {
  /** CommandComplete tags. */
  tags: string[];
  error: boolean;
  /** Transaction status before (the previous ReadyForQuery) and after: "I" idle, "T" in a transaction, "E" failed one. */
  before: string;
  after: string;
  /** SQL of the statements the client executed in this Sync (or the simple query). */
  sql: string[];
}

export type CutKind = "commit" | "write";

/** What a reply was, for cutting: a successful COMMIT, an autocommit write (with its label), or neither. */
export function classify(reply: Reply): { kind: CutKind; label: string } | null {
  if (reply.error) return null;
  if (reply.tags.includes("COMMIT")) return { kind: "commit", label: "commit" };
  if (reply.before !== "I" || reply.after !== "I") return null;
  if (reply.tags.some((t) => /^(BEGIN|START|ROLLBACK|COMMIT|SAVEPOINT|RELEASE)/.test(t))) return null;
  for (const sql of reply.sql) {
    const label = writeLabel(sql);
    if (label) return { kind: "write", label };
  }
  return null;
}
