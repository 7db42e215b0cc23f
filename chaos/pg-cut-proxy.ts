// A TCP proxy between the services and Postgres that cuts a connection after Postgres has sent
// its reply to a write and before the service reads it: the write is done, the service cannot
// know (an ambiguous commit). Unlike test/setup/pg-proxy.ts (one cut at a statement named in
// advance, for one test), it runs for the whole chaos run in front of every service, and a cut
// is armed for a kind of write: a COMMIT, or a single-statement autocommit write (optionally
// one label: step save, run end, sleep, retry; see pg-wire.ts).
//
// How: client messages are framed to learn the SQL of each Sync (Parse text, by prepared
// statement name, picked up by Bind; or a simple Query). A statement's execution reply (from
// BindComplete or its first row or tag to ReadyForQuery) is held back; at ReadyForQuery it is
// classified and either forwarded or, when an armed cut matches, both sockets are destroyed
// instead. Asynchronous server messages (notifications, notices, parameter changes) are never
// held: LISTEN connections would miss wakeups.
import * as net from "node:net";
import { classify, cstrings, sslRequestCode, takeMessages, type CutKind, type Reply } from "./pg-wire.js";

export interface CutHit {
  kind: CutKind;
  label: string;
  /** The listener the connection came through (the service instance). */
  via: string;
  /** Start of the statement's SQL. */
  sql: string;
  atMs: number;
}

export interface ArmOptions {
  /** Only a write with this label (writes only). */
  label?: string;
  /** Give up after this long: resolves null. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface CutProxy {
  /** A listener for one service (kept across its restarts); the service's DATABASE_URL. */
  listen(via: string): Promise<string>;
  /** Cuts the next reply of that kind on any connection; resolves with what was cut. */
  arm(kind: CutKind, options: ArmOptions): Promise<CutHit | null>;
  /** Stops cutting (armed cuts resolve null). */
  disarm(): void;
  readonly hits: CutHit[];
  close(): Promise<void>;
}

interface Armed {
  kind: CutKind;
  label?: string;
  resolve(hit: CutHit | null): void;
}

const asyncServerMessages = new Set(["A", "N", "S"]); // NotificationResponse, NoticeResponse, ParameterStatus
/** Messages that only come once a statement executes: BindComplete, DataRow, CommandComplete, EmptyQueryResponse. */
const executionStart = new Set(["2", "D", "C", "I"]);

/** `target()`: the Postgres URL to forward to, read for each connection (Postgres may move on a restart). */
export function createCutProxy(target: () => string): CutProxy {
  const armed: Armed[] = [];
  const hits: CutHit[] = [];
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();

  /** The armed cut this reply satisfies, removed from the list. */
  const take = (reply: Reply): { cut: Armed; label: string } | null => {
    if (armed.length === 0) return null;
    const what = classify(reply);
    if (!what) return null;
    const i = armed.findIndex((a) => a.kind === what.kind && (!a.label || a.label === what.label));
    if (i < 0) return null;
    return { cut: armed.splice(i, 1)[0]!, label: what.label };
  };

  const onConnection = (via: string, client: net.Socket) => {
    const to = new URL(target());
    const upstream = net.connect(Number(to.port), to.hostname);
    sockets.add(client).add(upstream);
    /** A cut, or the service went away: both sockets go at once. */
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);

    // Client side: SQL per Sync, in order (the server answers Syncs in order).
    const statements = new Map<string, string>();
    let boundSql: string[] = [];
    const syncs: string[][] = [];
    let clientStartup = true;
    let sslPending = false;
    let fromClient: Buffer = Buffer.alloc(0);
    client.on("data", (chunk) => {
      upstream.write(chunk);
      fromClient = Buffer.concat([fromClient, chunk]);
      while (clientStartup && fromClient.length >= 8) {
        const len = fromClient.readInt32BE(0);
        if (fromClient.length < len) return;
        if (fromClient.readInt32BE(4) === sslRequestCode) sslPending = true;
        else clientStartup = false;
        fromClient = fromClient.subarray(len);
      }
      if (clientStartup) return;
      const { messages, rest } = takeMessages(fromClient);
      fromClient = rest;
      for (const m of messages) {
        if (m.type === "P") {
          const [name, sql] = cstrings(m.body, 2);
          statements.set(name ?? "", sql ?? "");
        } else if (m.type === "B") {
          boundSql.push(statements.get(cstrings(m.body, 2)[1] ?? "") ?? "");
        } else if (m.type === "S") {
          syncs.push(boundSql);
          boundSql = [];
        } else if (m.type === "Q") {
          syncs.push([cstrings(m.body, 1)[0] ?? ""]);
        }
      }
    });

    // Server side: hold each Sync's execution reply until its ReadyForQuery, then forward or cut.
    let serverStartup = true;
    let status = "I";
    let held: Buffer[] = [];
    let tags: string[] = [];
    let error = false;
    let fromServer: Buffer = Buffer.alloc(0);
    // Postgres closed the connection (a restart). Not a cut: the service sees what a direct
    // connection would, everything Postgres sent (a FATAL error first) and then the close: a
    // FIN for a FIN, a reset for a reset.
    let reset = false;
    upstream.on("error", () => (reset = true));
    upstream.on("close", () => {
      sockets.delete(upstream);
      if (client.destroyed) return;
      if (reset) client.resetAndDestroy();
      else client.end(Buffer.concat([...held, fromServer]));
    });
    upstream.on("data", (chunk) => {
      if (sslPending) {
        sslPending = false; // the one-byte answer to SSLRequest ("N": go on in plain text)
        client.write(chunk.subarray(0, 1));
        chunk = chunk.subarray(1);
      }
      const { messages, rest } = takeMessages(fromServer.length ? Buffer.concat([fromServer, chunk]) : chunk);
      fromServer = rest;
      const forward: Buffer[] = [];
      for (const m of messages) {
        if (m.type === "E") error = true;
        else if (m.type === "C") tags.push(cstrings(m.body, 1)[0] ?? "");
        // Forwarded at once: the startup exchange, asynchronous messages, and whatever comes before
        // the execution reply (a describe's answer, an error: the client may await them before
        // it sends its Sync, so holding them would deadlock).
        if (serverStartup || asyncServerMessages.has(m.type) || (held.length === 0 && !executionStart.has(m.type) && m.type !== "Z")) {
          forward.push(m.raw);
          if (m.type === "Z") ((serverStartup = false), (status = String.fromCharCode(m.body[0]!)));
          continue;
        }
        held.push(m.raw);
        if (m.type !== "Z") continue;
        const after = String.fromCharCode(m.body[0]!);
        const sql = syncs.shift() ?? [];
        const taken = held.length > 1 ? take({ tags, error, before: status, after, sql }) : null;
        if (taken) {
          // The reply is complete on our side: the write is done. The service never sees it.
          const hit: CutHit = { kind: taken.cut.kind, label: taken.label, via, sql: sql.join("; ").replace(/\s+/g, " ").slice(0, 100), atMs: Date.now() };
          hits.push(hit);
          drop();
          taken.cut.resolve(hit);
          return;
        }
        forward.push(...held);
        held = [];
        tags = [];
        error = false;
        status = after;
      }
      if (forward.length > 0) client.write(forward.length === 1 ? forward[0]! : Buffer.concat(forward));
    });
  };

  return {
    hits,
    listen(via) {
      const server = net.createServer((socket) => onConnection(via, socket));
      servers.push(server);
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const url = new URL(target());
          url.hostname = "127.0.0.1";
          url.port = String((server.address() as net.AddressInfo).port);
          resolve(url.toString());
        });
      });
    },
    arm(kind, { label, timeoutMs, signal }) {
      return new Promise((resolve) => {
        const done = (hit: CutHit | null) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          const i = armed.indexOf(entry);
          if (i >= 0) armed.splice(i, 1);
          resolve(hit);
        };
        const entry: Armed = { kind, label, resolve: done };
        const onAbort = () => done(null);
        const timer = setTimeout(onAbort, timeoutMs);
        signal?.addEventListener("abort", onAbort, { once: true });
        if (signal?.aborted) return onAbort();
        armed.push(entry);
      });
    },
    disarm() {
      for (const a of armed.splice(0)) a.resolve(null);
    },
    async close() {
      this.disarm();
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
