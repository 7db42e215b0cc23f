// @tenax/engine: the domain. The event path, trigger and wait matching, expressions, cron and
// limits; used by ingest, scheduler and executor (never the other way round).
export { appendEvents, entryPaths } from "./append-events.js";
export type { EntryOutcome, EventEntry, StartTarget } from "./append-events.js";
export { validateEvents } from "./validate-events.js";
export { functionVersionKey, readFunctionConfig } from "./function-config.js";
// Expressions and wait matching live in @tenax/match (shared with the SDK's testing kit).
export { compileExpression, listenerKey, matchesExpression, toEventJson, waitMatches } from "@tenax/match";
export type { CompiledExpression, EventJson, ListenerKey } from "@tenax/match";
export { limits } from "./limits.js";
export { latestCronTimeAtOrBefore, nextCronTime, parseCron } from "./cron.js";
export type { ParsedCron } from "./cron.js";
