// Ports for processes that restart on the same port. Taken below the kernel's ephemeral range:
// while a killed service is down, its port could otherwise become the local port of some
// outgoing connection on the machine, and the restart would find it in use. All are probed free
// at once (held open together, so two never coincide).
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";

function ephemeralLow(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const tryListen = (port: number) =>
  new Promise<Server | null>((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(null));
    srv.listen(port, "127.0.0.1", () => resolve(srv));
  });

/** `count` distinct ports, free right now, outside the ephemeral range. */
export async function reservePorts(count: number): Promise<number[]> {
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow()) - 1;
  const held: Server[] = [];
  const ports: number[] = [];
  let port = low + Math.floor(Math.random() * (high - low));
  for (let tries = 0; ports.length < count && tries < 2000; tries++, port = port >= high ? low : port + 1) {
    const srv = await tryListen(port);
    if (srv) (held.push(srv), ports.push(port));
  }
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  if (ports.length < count) throw new Error(`[ports_unavailable] found only ${ports.length} of ${count} free ports in ${low}..${high}`);
  return ports;
}
