import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createWritableIterable } from "@connectrpc/connect/protocol";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { WorkerService, type ExecutorMessage, type WorkerMessageSchema } from "@tenax/proto";

type Out = MessageInitShape<typeof WorkerMessageSchema>;

/** A hand-driven worker speaking the raw protocol, for tests of the executor's side of it. */
export function createRawWorker(executorUrl: string) {
  const out = createWritableIterable<Out>();
  const client = createClient(WorkerService, createGrpcTransport({ baseUrl: executorUrl, acceptCompression: [] }));
  const received: ExecutorMessage[] = [];
  const waiters = new Set<{ pred: (m: ExecutorMessage) => boolean; resolve: (m: ExecutorMessage) => void }>();
  const abort = new AbortController();
  // Heartbeats keep the session alive (tests run the executor with a 500 ms heartbeat interval).
  const beat = setInterval(() => void out.write({ kind: { case: "heartbeat", value: { inFlight: 0 } } }).catch(() => {}), 200);
  const done = (async () => {
    for await (const msg of client.connect(out, { signal: abort.signal })) {
      received.push(msg);
      for (const w of waiters)
        if (w.pred(msg)) {
          waiters.delete(w);
          w.resolve(msg);
        }
    }
  })().catch(() => {});
  return {
    received,
    send: (m: Out) => out.write(m),
    next(pred: (m: ExecutorMessage) => boolean, timeoutMs = 20_000): Promise<ExecutorMessage> {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (m: ExecutorMessage) => (clearTimeout(t), resolve(m)) };
        const t = setTimeout(() => (waiters.delete(w), reject(new Error("no matching executor message in time"))), timeoutMs);
        waiters.add(w);
      });
    },
    async close() {
      clearInterval(beat);
      out.close();
      abort.abort();
      await done;
    },
  };
}
