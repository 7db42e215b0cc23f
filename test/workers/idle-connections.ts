// A separate client process that opens many TCP connections to one port and holds them open,
// each after a partial HTTP/1.1 request head (so they are routed and held by the HTTP server).
// Prints {"msg":"open"} once all are connected and {"msg":"all closed by the server"} when the
// server has closed every one; runs until SIGTERM.
import * as net from "node:net";

const [port, countArg] = process.argv.slice(2);
const count = Number(countArg);
let failed = 0;
let closed = 0;
const opened = Array.from(
  { length: count },
  () =>
    new Promise<void>((resolve) => {
      const s = net.connect(Number(port), "127.0.0.1", () => {
        s.write("GET /tenax.v1.HealthService/Check HTTP/1.1\r\nHost: idle\r\n");
        resolve();
      });
      s.on("error", () => {
        failed++;
        resolve();
      });
      s.on("close", () => {
        if (++closed === count) process.stdout.write(`${JSON.stringify({ msg: "all closed by the server", failed })}\n`);
      });
    }),
);
await Promise.all(opened);
process.stdout.write(`${JSON.stringify({ msg: "open", count: count - failed, failed })}\n`);
const keepAlive = setInterval(() => {}, 60_000);
process.on("SIGTERM", () => {
  clearInterval(keepAlive);
  process.exit(0);
});
