import * as net from "node:net";

/** What a cut hit: the bind parameters of the statement whose reply was withheld. */
export interface CutReport {
  params: string;
}

export interface CutRule {
  /** Text in the statement's SQL (seen in its Parse message). */
  sql: string;
  /** Extra condition on the Bind message's parameters (e.g. the batch size). */
  params?: (params: string) => boolean;
}

export interface PgProxy {
  /** postgres:// URL through the proxy. */
  url: string;
  /**
   * The next statement matching the rule runs and commits on the server; the proxy then drops
   * the connection before the client reads the reply: an ambiguous commit.
   */
  cutAfterReply(rule: CutRule): Promise<CutReport>;
  close(): Promise<void>;
}

interface Rule extends CutRule {
  resolve: (r: CutReport) => void;
}

const sslRequestCode = 80877103;

/**
 * A TCP proxy in front of Postgres that reads the wire protocol just enough to withhold one
 * reply. Client messages are framed (type byte + int32 length, after the untyped startup
 * message); statements are recognised by their Parse text and by the prepared statement name
 * postgres-js reuses in later Binds. After a matching Bind, server bytes are held back until
 * the ReadyForQuery that ends that statement's Sync (the commit is then done), and both
 * sockets are destroyed.
 */
export async function startPgProxy(targetUrl: string): Promise<PgProxy> {
  const target = new URL(targetUrl);
  const rules: Rule[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);

    const statements = new Map<string, string>(); // prepared statement name -> SQL
    let inStartup = true;
    let sslPending = false;
    let syncsSent = 0;
    let readyReceived = 0;
    let cutAtReady = 0; // withhold everything until this many ReadyForQuery, then drop
    let cut: { rule: Rule; report: CutReport } | null = null;
    let pendingRule: { rule: Rule; params: string } | null = null;

    let fromClient = Buffer.alloc(0);
    client.on("data", (chunk) => {
      fromClient = Buffer.concat([fromClient, chunk]);
      for (;;) {
        if (inStartup) {
          if (fromClient.length < 8) break;
          const len = fromClient.readInt32BE(0);
          if (fromClient.length < len) break;
          if (fromClient.readInt32BE(4) === sslRequestCode) sslPending = true;
          else inStartup = false;
          fromClient = fromClient.subarray(len);
          continue;
        }
        if (fromClient.length < 5) break;
        const len = fromClient.readInt32BE(1);
        if (fromClient.length < 1 + len) break;
        onClientMessage(String.fromCharCode(fromClient[0]!), fromClient.subarray(5, 1 + len));
        fromClient = fromClient.subarray(1 + len);
      }
      upstream.write(chunk);
    });

    const cstrings = (body: Buffer, n: number) => {
      const out: string[] = [];
      let at = 0;
      for (let i = 0; i < n; i++) {
        const end = body.indexOf(0, at);
        out.push(body.subarray(at, end).toString("utf8"));
        at = end + 1;
      }
      return { out, rest: body.subarray(at) };
    };

    const onClientMessage = (type: string, body: Buffer) => {
      if (type === "P") {
        const [name, query] = cstrings(body, 2).out;
        statements.set(name!, query!);
      } else if (type === "B") {
        const { out, rest } = cstrings(body, 2);
        const statement = out[1]!;
        const query = statements.get(statement);
        if (query === undefined || cut) return;
        const params = rest.toString("utf8");
        const rule = rules.find((r) => query.includes(r.sql) && (!r.params || r.params(params)));
        if (rule) pendingRule = { rule, params };
      } else if (type === "S" || type === "Q") {
        syncsSent++;
        if (pendingRule && !cut) {
          rules.splice(rules.indexOf(pendingRule.rule), 1);
          cut = { rule: pendingRule.rule, report: { params: pendingRule.params } };
          cutAtReady = syncsSent;
          pendingRule = null;
        }
      }
    };

    let fromServer = Buffer.alloc(0);
    upstream.on("data", (chunk) => {
      if (sslPending) {
        sslPending = false;
        client.write(chunk.subarray(0, 1));
        chunk = chunk.subarray(1);
      }
      fromServer = Buffer.concat([fromServer, chunk]);
      const forward: Buffer[] = [];
      while (fromServer.length >= 5 && fromServer.length >= 1 + fromServer.readInt32BE(1)) {
        const len = 1 + fromServer.readInt32BE(1);
        const message = fromServer.subarray(0, len);
        fromServer = fromServer.subarray(len);
        if (message[0] === 0x5a /* Z */) readyReceived++;
        if (cut && readyReceived >= cutAtReady) {
          // The statement's Sync has been answered: its commit is done, its reply withheld.
          const done = cut;
          drop();
          done.rule.resolve(done.report);
          return;
        }
        // While a cut is pending every reply is held back (the connection dies soon).
        if (!cut) forward.push(message);
      }
      if (forward.length > 0) client.write(Buffer.concat(forward));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    cutAfterReply(rule) {
      return new Promise<CutReport>((resolve) => rules.push({ ...rule, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
