// @tenax/state: the only package that knows the schema and writes SQL.
export { createDatabase, transaction } from "./db.js";
export type { Database, DatabaseOptions } from "./db.js";
export { parseDatabaseUrl, redactDatabaseUrl } from "./database-url.js";
export type { DatabaseTarget } from "./database-url.js";
export { migrateDatabase, migrationsFolder } from "./migrate.js";
export type { MigrateOptions } from "./migrate.js";
export { startEmbeddedPostgres } from "./embedded.js";
export type { EmbeddedPostgresHandle, EmbeddedPostgresOptions } from "./embedded.js";
export { channels, listen, parseRunNotice } from "./notify.js";
export type { Channel } from "./notify.js";
export { terminalStatuses } from "./types.js";
export type { EventInput, EventRow, FunctionKey, RunRow, RunStatusName, Sql, StepRow } from "./types.js";
export { eventPendingClaim, eventPoisoned, eventsAppend, eventsDispatched, eventsPendingClaim, eventsPendingSeqs } from "./queries/events.js";
export { isTransientDatabaseError } from "./transient.js";
export type { EventsAppendResult } from "./queries/events.js";
export { functionRegister, triggersForEvents } from "./queries/functions.js";
export type { FunctionRegisterParams, TriggerMatchRow } from "./queries/functions.js";
export { isUuid, runCancel, runGet, runsCancelBulk, runsGetMany, runsList, runsMissing, runsStart, runSteps, runWatchSteps } from "./queries/runs.js";
export type { RunStart, RunsCancelFilter, RunsListParams } from "./queries/runs.js";
export { cancelsForEvents, cancelsForKeys, idempotencyClaim, runsFlowSetup } from "./queries/flow.js";
export type { IdempotencyClaim, OpenCancel, RunFlowSetup } from "./queries/flow.js";
export { claimContext, queueClaim } from "./queries/claim.js";
export { queueClaimLimited } from "./queries/claim-limited.js";
export type { LimitedClaimParams } from "./queries/claim-limited.js";
export type { ClaimContext, ClaimedItem, QueueClaimParams } from "./queries/claim.js";
export { leaseExtend, leaseRelease, leaseReleaseOwner } from "./queries/lease.js";
export { runRetryLater, runsFinish, stepSaveTargeted, stepsSave } from "./queries/results.js";
export { runsResume } from "./queries/resume.js";
export type { Resume, ResumeStep } from "./queries/resume.js";
export {
  eventsAfter,
  matchPathsFor,
  unkeyedWaitCount,
  WAIT_LOCK_SLOTS,
  waitConsume,
  waitCreate,
  waitExists,
  waitLockSlot,
  waitNamesLock,
  waitsForEvents,
  waitsForKeys,
} from "./queries/waits.js";
export type { ListenerProbe, OpenWait, WaitCreate } from "./queries/waits.js";
export { functionCurrent, leaseHold, queueDrop, queueTargets, runPark, runSleep, stepsCheckpoint, stepsInsert, timerSleep } from "./queries/park.js";
export type { CheckpointOutcome, CheckpointSave, StepInsert } from "./queries/park.js";
export type { RunFinishParams, RunRetryParams, SaveOutcome, StepSaveParams } from "./queries/results.js";
export { timersAfter, timersFire, timerNextDueAt, timersNextDue } from "./queries/timers.js";
export { workerConnected, workerDisconnected } from "./queries/workers.js";
export type { WorkerConnected } from "./queries/workers.js";
export { createTestDatabases } from "./testing.js";
export type { TestDatabases } from "./testing.js";
export { cronsAdvance, cronsClaimDue, cronsNextDue, cronsReplace } from "./queries/crons.js";
export type { CronRow, CronSchedule } from "./queries/crons.js";
export { findUnstorable, isDataException, jsonbSafeText, mayHoldUnstorable, replaceUnstorable, unstorableMessage, unstorableReason } from "./storable.js";
export { pruneEvents, pruneExpiredKeys, pruneFinishedRuns, pruneFunctionVersions, pruneWorkers } from "./queries/retention.js";
export { createDbClock } from "./db-clock.js";
export type { DbClock } from "./db-clock.js";
