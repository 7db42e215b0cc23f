// Test-only: plays the executor's side of one run against a RequestRunner, the way
// services/executor sends continuations (dispatcher.ts, results.ts). Not exported from the package.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, MemoEntrySchema, OpCode, type ExecutionResult, type MemoEntry } from "@tenax/proto";
import type { RequestRunner } from "../worker/request-runner.js";
import type { FakeSession } from "./fake-session.js";

type ExecuteInit = MessageInitShape<typeof ExecuteRequestSchema>;

/** The executor's state for the run, as `before` sees (and may change) it. */
export interface RunState {
  /** 0-based index of the request about to be sent. */
  index: number;
  /** Every stored step, in stored order. */
  memo: MemoEntry[];
  leaseId: string;
  attempt: number;
  session: FakeSession;
}

export interface DriveOptions {
  runner: RequestRunner;
  session: FakeSession;
  runId?: string;
  functionId?: string;
  data?: Record<string, unknown>;
  /**
   * Called before each request is sent: may change it (a fallback case) or
   * advance fake timers. The request's lease (a redelivery) and `state.session`
   * are kept for the following requests.
   */
  before?: (request: ExecuteInit, state: RunState) => void | Promise<void>;
  /** Bytes the executor stores for a STEP_RAN; default the op's data. */
  store?: (data: Uint8Array, state: RunState) => Uint8Array;
}

export interface DriveResult {
  /** Every result, in order. */
  results: ExecutionResult[];
  /** The run's output (RUN_COMPLETE data, parsed). */
  output: unknown;
  memo: MemoEntry[];
}

/**
 * Sends requests until the run completes: after a STEP_RAN the step is stored
 * and the next request goes out on the same lease with a memo delta; after a
 * STEP_ERROR the run is redelivered under a new lease with attempt + 1 and the
 * whole memo.
 */
export async function driveRun(options: DriveOptions): Promise<DriveResult> {
  const runId = options.runId ?? "run-1";
  const event = { event: { id: `evt-${runId}`, name: "order/created", data: { orderId: "o1", ...options.data }, ts: 5n } };
  const state: RunState = { index: 0, memo: [], leaseId: `${runId}-lease-0`, attempt: 0, session: options.session };
  const results: ExecutionResult[] = [];
  let memoSent = 0;
  for (; state.index < 100; state.index++) {
    // As the dispatcher: a delta after the previous request of this lease, else the whole memo.
    const offset = memoSent > 0 && memoSent <= state.memo.length ? memoSent : 0;
    memoSent = state.memo.length;
    const request: ExecuteInit = {
      requestId: `${runId}-req-${state.index}`,
      leaseId: state.leaseId,
      runId,
      appId: "shop",
      functionId: options.functionId ?? "fn",
      functionVersion: 1,
      attempt: state.attempt,
      maxAttempts: 5,
      event,
      events: [event],
      memo: state.memo.slice(offset),
      memoOffset: offset,
    };
    await options.before?.(request, state);
    state.leaseId = request.leaseId!;
    options.runner.handleExecute(state.session, create(ExecuteRequestSchema, request));
    const result = await state.session.nextResult();
    results.push(result);
    const [op] = result.ops;
    if (op.code === OpCode.RUN_COMPLETE) return { results, output: JSON.parse(new TextDecoder().decode(op.data)), memo: state.memo };
    if (op.code === OpCode.STEP_RAN) {
      const data = options.store?.(op.data, state) ?? op.data;
      state.memo.push(create(MemoEntrySchema, { stepId: op.stepId, result: { case: "data", value: data } }));
      state.attempt = 0;
    } else if (op.code === OpCode.STEP_ERROR) {
      state.leaseId = `${runId}-lease-${state.index + 1}`;
      state.attempt++;
      memoSent = 0;
    } else {
      throw new Error(`unexpected result ${OpCode[op.code]}`);
    }
  }
  throw new Error("run did not complete");
}
