// Test-only: runs a handler through the replay engine with a fixed clock and
// builds memo entries. Not exported from the package.
import { createHash } from "node:crypto";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ExecuteRequestSchema } from "@tenax/proto";
import { serializeError } from "../errors/serialize.js";
import { executeFunction, type ExecutionInput, type ExecutionReport } from "../execution/execute.js";
import type { MemoEntryInput } from "../execution/memo.js";
import type { HandlerContext } from "../function/types.js";
import type { Logger } from "../logger/logger.js";

/** The clock of every execution started here. */
export const NOW = 1_700_000_000_000;

export const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
export const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
export const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A first ExecuteRequest of run-1 of "fn", triggered by an order/created event; `init` overrides fields. */
export function executeRequestInit(init: Record<string, unknown> = {}): MessageInitShape<typeof ExecuteRequestSchema> {
  return {
    requestId: "req-1",
    leaseId: "lease-1",
    runId: "run-1",
    appId: "shop",
    functionId: "fn",
    maxAttempts: 5,
    event: { event: { id: "e1", name: "order/created", data: { orderId: "o1" }, ts: 5n } },
    ...init,
  } as MessageInitShape<typeof ExecuteRequestSchema>;
}

/** A memoized success of the step with this user id. */
export const hit = (userId: string, value: unknown): MemoEntryInput => ({ stepId: sha1(userId), data: json(value) });

/** A memoized final failure of the step with this user id. */
export const failed = (userId: string, error: unknown): MemoEntryInput => ({ stepId: sha1(userId), error: serializeError(error) });

export function executeHandler(handler: (ctx: HandlerContext) => unknown, input: Partial<ExecutionInput> = {}): Promise<ExecutionReport> {
  const event = { id: "evt-1", name: "order/created", data: { orderId: "o1" }, ts: 1 };
  return executeFunction(
    { id: "fn", handler },
    {
      runId: "run-1",
      appId: "shop",
      functionId: "fn",
      attempt: 0,
      maxAttempts: 5,
      event,
      events: [event],
      memo: [],
      logger: silent,
      now: () => NOW,
      ...input,
    },
  );
}
