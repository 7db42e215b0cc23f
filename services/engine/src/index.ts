// @tenax/engine: the domain. The event path, trigger and wait matching, expressions, cron and
// limits; used by ingest, scheduler and executor (never the other way round).
export { appendEvents, entryPaths } from "./append-events.js";
export type { EntryOutcome, EventEntry, StartTarget } from "./append-events.js";
export { validateEvents } from "./validate-events.js";
export { functionVersionKey, readFunctionConfig } from "./function-config.js";
export { compileExpression, matchesExpression } from "./expressions.js";
export type { CompiledExpression } from "./expressions.js";
export { limits } from "./limits.js";
export { toEventJson, waitMatches } from "./wait-match.js";
export type { EventJson } from "./wait-match.js";
export { latestCronTimeAtOrBefore, nextCronTime, parseCron } from "./cron.js";
export type { ParsedCron } from "./cron.js";
