// @tenax/match: the decisions the services make about events, as pure functions shared by the
// engine (ingest, executor) and the SDK's testing kit, so both decide alike: CEL expressions
// (trigger `if`, idempotency and concurrency keys), and whether an event satisfies a wait or a
// cancelOn rule. No I/O; depends on the CEL library and the contract's error reasons only.
export { compiledExpressionCount, compileExpression, expressionLimits, matchesExpression } from "./expressions.js";
export type { CompiledExpression } from "./expressions.js";
export { toEventJson, waitMatches } from "./wait-match.js";
export type { EventJson } from "./wait-match.js";
export { eventKeyAt, listenerKey, valueKey } from "./match-key.js";
export type { ListenerKey } from "./match-key.js";
