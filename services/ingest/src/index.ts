export { loadIngestConfig } from "./config.js";
export type { IngestConfig } from "./config.js";
export { startIngest } from "./ingest.js";
export type { IngestHandle } from "./ingest.js";
export { storeEvents } from "./pipeline.js";
export { validateEvents } from "./validate-events.js";
export { startRuns } from "./start-runs.js";
export type { StartCandidate } from "./start-runs.js";
