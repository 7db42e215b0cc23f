import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { RunService } from "@tenax/proto";
import type { CliConfig } from "./config.js";

export function runClient(config: CliConfig) {
  const transport = createGrpcTransport({
    baseUrl: config.ingestUrl,
    acceptCompression: [],
    readMaxBytes: 64 << 20,
    interceptors: [
      (next) => (req) => {
        if (config.signingKey) req.header.set("authorization", `Bearer ${config.signingKey}`);
        return next(req);
      },
    ],
  });
  return createClient(RunService, transport);
}
