// Worker process for a scenario: serves the functions exported by SCENARIO_MODULE.
import type { Tenax, TenaxFunction } from "@tenax/sdk";

const mod = (await import(process.env.SCENARIO_MODULE!)) as { tenax: Tenax; functions: TenaxFunction[] };
const worker = await mod.tenax.connect({ functions: mod.functions, maxConcurrency: Number(process.env.WORKER_CONCURRENCY ?? 50) });
console.log(JSON.stringify({ msg: "worker ready" }));
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
