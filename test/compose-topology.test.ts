import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { HealthService, RunStatus } from "@tenax/proto";
import { createTestDatabases } from "@tenax/state";
import { inject } from "vitest";
import { freePort } from "./setup/ports.js";
import { startProcess, type Proc } from "./setup/process.js";
import { createRunWaiter } from "./setup/stack.js";

// Runs docker-compose.yml's topology as local processes: each service's command and environment
// come from the file; hostnames map to 127.0.0.1 and ports to free ones, Postgres to the test server.
interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync("docker-compose.yml", "utf8")) as { services: Record<string, ComposeService> };
const procs: Proc[] = [];
let rewrite: (value: string) => string;

beforeAll(async () => {
  const databaseUrl = await (await createTestDatabases(inject("adminUrl"))).clone("compose");
  const ports: Record<string, number> = { "8288": await freePort(), "8289": await freePort(), "8290": await freePort() };
  rewrite = (value) =>
    value
      .replace(/^postgres:\/\/.*@postgres:5432\/\w+$/, databaseUrl)
      .replace(/\b(?:ingest|executor|scheduler|0\.0\.0\.0):(8288|8289|8290)\b/g, (_m, p: string) => `127.0.0.1:${ports[p]}`);
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
});

function run(name: string): Proc {
  const svc = compose.services[name]!;
  const [cmd, ...args] = svc.command!;
  expect(cmd).toBe("node");
  const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, rewrite(String(v))]));
  const proc = startProcess(name, args, env);
  procs.push(proc);
  return proc;
}

describe("the docker-compose topology, as local processes", () => {
  it("declares postgres, a one-shot migrate, the three services and a worker", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["executor", "ingest", "migrate", "postgres", "scheduler", "worker"]);
  });

  it("migrates, starts every service, and drives a run through them", async () => {
    const migrate = run("migrate");
    expect(await migrate.exited).toBe(0);
    const services = ["ingest", "scheduler", "executor"].map(run);
    await Promise.all(services.map((p) => p.waitFor((l) => l.msg === "listening")));
    const worker = run("worker");
    await worker.waitFor((l) => l.msg === "worker ready");

    const ingestUrl = rewrite("http://ingest:8288");
    for (const url of [ingestUrl, rewrite("http://executor:8289"), rewrite("http://scheduler:8290")]) {
      const health = await createClient(HealthService, createGrpcTransport({ baseUrl: url })).check({});
      expect(health.databaseOk).toBe(true);
    }
    const res = await fetch(`${ingestUrl}/tenax.v1.IngestService/SendEvents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: [{ name: "demo/hello", data: { name: "Compose" } }] }),
    });
    const { ids } = (await res.json()) as { ids: string[] };
    const waiter = createRunWaiter(ingestUrl);
    const run1 = await waiter.runForEvent(ids[0]!);
    expect(run1.status).toBe(RunStatus.COMPLETED);
    expect(JSON.parse(new TextDecoder().decode(run1.output))).toEqual({ greeting: "Hello, Compose!" });
  });
});
