import { stopOnSignals } from "@tenax/common";
import { loadIngestConfig } from "./config.js";
import { startIngest } from "./ingest.js";

const ingest = await startIngest(loadIngestConfig());
stopOnSignals(ingest, ingest.logger);
