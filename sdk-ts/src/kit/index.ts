// @tenax/sdk/testing: run functions in-process, without any server, on virtual time. The kit
// plays the executor's role around the SDK's own replay engine (the one a worker runs) and
// decides what the services decide (trigger `if`, waits, cancelOn) with their own code.
export { createTestEngine } from "./test-engine.js";
export type { TestEngine, TestEngineOptions, TestEvent, TestRun, TestSendResult } from "./test-engine.js";
export type { TestClock } from "./clock.js";
export type { MockHandle, StepMock, StepMockContext } from "./instrument.js";
export { NonDeterminismError } from "./types.js";
export type { NonDeterminism, OutputOf, TestCrash, TestOp, TestRunOptions, TestRunResult, TestStep } from "./types.js";
