export { loadIngestConfig } from "./config.js";
export type { IngestConfig } from "./config.js";
export { startIngest } from "./ingest.js";
export type { IngestHandle } from "./ingest.js";
