// A chaos worker process: serves the chaos functions (functions.ts) through the SDK, appending
// to the shared ledger. Started by the cluster with its ingest, executor and ledger in the env.
import { Tenax } from "@tenax/sdk";
import { chaosFunctions } from "./functions.js";
import { openLedger } from "./ledger.js";
import { appId } from "./plan.js";

const name = process.env.CHAOS_WORKER_NAME ?? "worker";
const ledgerFile = process.env.CHAOS_LEDGER;
if (!ledgerFile) throw new Error("[invalid_setting] CHAOS_LEDGER must name the ledger file");

const tenax = new Tenax({ id: appId }); // TENAX_INGEST_URL, TENAX_EXECUTOR_URL from the env
const functions = chaosFunctions(tenax, openLedger(ledgerFile, `${name}:${process.pid}`));
// An executor may be down (killed, or Postgres restarting) when this worker starts: wait longer
// than the SDK's 30 s default rather than die, which the suite would count against Tenax.
const worker = await tenax.connect({ functions, maxConcurrency: 25, connectTimeout: "2m" });
console.log(JSON.stringify({ msg: "worker ready" }));
process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
