import { runService } from "@tenax/common";
import { loadIngestConfig } from "./config.js";
import { startIngest } from "./ingest.js";

await runService("ingest", () => startIngest(loadIngestConfig()));
