// The bidi-stream floor's server process: the real server stack (@tenax/common serve, h2c) with
// WorkerService.Connect answering every result with a result ack, and nothing else.
import { create } from "@bufbuild/protobuf";
import { serve } from "@tenax/common";
import { ExecutorMessageSchema, WorkerService } from "@tenax/proto";

const server = await serve({
  host: "127.0.0.1",
  port: 0,
  routes: (router) =>
    router.service(WorkerService, {
      async *connect(requests) {
        for await (const m of requests) {
          const requestId = m.kind.case === "result" ? m.kind.value.requestId : "";
          yield create(ExecutorMessageSchema, { kind: { case: "resultAck", value: { requestId, accepted: true } } });
        }
      },
    }),
});
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", () => void server.close(500).then(() => process.exit(0)));
