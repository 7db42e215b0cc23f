// Test-only: an in-process WorkerService/IngestService to exercise the worker
// over a real HTTP/2 stream. Not exported from the package.
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { createWritableIterable } from "@connectrpc/connect/protocol";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  IngestService,
  WorkerService,
  type ExecutorMessageSchema,
  type Hello,
  type RegisteredSchema,
  type SendEventsRequest,
  type WorkerMessage,
} from "@tenax/proto";

type ExecutorKind = MessageInitShape<typeof ExecutorMessageSchema>["kind"];
type WorkerCase = NonNullable<WorkerMessage["kind"]["case"]>;
type ValueOf<C extends WorkerCase> = Extract<WorkerMessage["kind"], { case: C }>["value"];

export interface FakeConnection {
  readonly headers: Headers;
  readonly received: WorkerMessage[];
  send(kind: ExecutorKind): void;
  /** Ends the response stream (like an executor shutting down). */
  end(): void;
  /** The next not-yet-taken message of a kind, waiting for it if needed. */
  take<C extends WorkerCase>(kind: C, timeoutMs?: number): Promise<ValueOf<C>>;
  /** Resolves when the worker ended its request stream. */
  readonly requestsDone: Promise<void>;
}

export interface FakeExecutorOptions {
  /** Answer to hello; default: every function ok, with short intervals. */
  register?: (hello: Hello) => MessageInitShape<typeof RegisteredSchema> | undefined;
}

export interface FakeServer {
  url: string;
  connections: FakeConnection[];
  sends: Array<{ request: SendEventsRequest; headers: Headers }>;
  nextConnection(timeoutMs?: number): Promise<FakeConnection>;
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeExecutorOptions = {}): Promise<FakeServer> {
  const connections: FakeConnection[] = [];
  const sends: FakeServer["sends"] = [];
  let taken = 0;
  const register =
    options.register ??
    ((hello: Hello) => ({
      connectionId: `conn-${connections.length}`,
      functions: hello.functions.map((f) => ({ functionId: f.id, ok: true, version: 1 })),
      heartbeatIntervalMs: 1000n,
      leaseMs: 30_000n,
      extendLeaseIntervalMs: 10_000n,
    }));

  const routes = (router: ConnectRouter) => {
    router.service(IngestService, {
      async sendEvents(request, ctx) {
        sends.push({ request, headers: ctx.requestHeader });
        return { ids: request.events.map((e, i) => e.id || `evt-${sends.length}-${i}`) };
      },
    });
    router.service(WorkerService, {
      async *connect(requests, ctx) {
        const out = createWritableIterable<MessageInitShape<typeof ExecutorMessageSchema>>();
        const conn = createConnection(ctx.requestHeader, out);
        connections.push(conn.public);
        conn.consume(requests, register);
        yield* out;
      },
    });
  };

  const server = http2.createServer(connectNodeAdapter({ routes }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    sends,
    async nextConnection(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (connections.length <= taken) {
        if (Date.now() > deadline) throw new Error("no new connection");
        await new Promise((r) => setTimeout(r, 10));
      }
      return connections[taken++];
    },
    async close() {
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function createConnection(headers: Headers, out: ReturnType<typeof createWritableIterable<MessageInitShape<typeof ExecutorMessageSchema>>>) {
  const received: WorkerMessage[] = [];
  const takenIdx = new Set<number>();
  let open = true;
  let doneResolve!: () => void;
  const requestsDone = new Promise<void>((r) => (doneResolve = r));
  const conn: FakeConnection = {
    headers,
    received,
    requestsDone,
    send(kind) {
      if (open) out.write({ kind }).catch(() => {});
    },
    end() {
      open = false;
      out.close();
    },
    async take(kind, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = received.findIndex((m, idx) => !takenIdx.has(idx) && m.kind.case === kind);
        if (i >= 0) {
          takenIdx.add(i);
          return received[i].kind.value as never;
        }
        if (Date.now() > deadline) throw new Error(`no ${kind} message within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
  return {
    public: conn,
    consume(requests: AsyncIterable<WorkerMessage>, register: (hello: Hello) => MessageInitShape<typeof RegisteredSchema> | undefined) {
      void (async () => {
        try {
          for await (const message of requests) {
            received.push(message);
            if (message.kind.case === "hello") {
              const reg = register(message.kind.value);
              if (reg) conn.send({ case: "registered", value: reg });
            }
          }
        } catch {
          // the worker went away
        } finally {
          // Like the real executor: the worker half-closing ends the session.
          conn.end();
          doneResolve();
        }
      })();
    },
  };
}
