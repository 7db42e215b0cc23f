// Test-only: a Session without a stream, for driving a RequestRunner directly.
// Not exported from the package.
import type { ExecutionResult } from "@tenax/proto";
import type { OutgoingKind, Session, SessionEnd, SessionSettings } from "../worker/session.js";

export interface FakeSession extends Session {
  /** Every message sent, results included, in order. */
  readonly sent: OutgoingKind[];
  /** The next result not taken yet, waiting for it. */
  nextResult(): Promise<ExecutionResult>;
  /** Results sent and not taken. */
  untakenResults(): number;
  /** Ends the session, as a closed stream does. */
  close(): void;
}

export function createFakeSession(settings: Partial<SessionSettings> = {}): FakeSession {
  const sent: OutgoingKind[] = [];
  const results: ExecutionResult[] = [];
  const waiters: Array<(result: ExecutionResult) => void> = [];
  let open = true;
  let endSession!: (end: SessionEnd) => void;
  const ended = new Promise<SessionEnd>((resolve) => (endSession = resolve));
  const full: SessionSettings = { connectionId: "conn-1", heartbeatIntervalMs: 1000, leaseMs: 60_000, extendLeaseIntervalMs: 20_000, ...settings };

  const close = () => {
    if (!open) return;
    open = false;
    endSession({ registered: true, reason: "closed by test" });
  };
  return {
    ended,
    sent,
    isOpen: () => open,
    settings: () => full,
    send(kind) {
      if (open) sent.push(kind);
    },
    sendResult(result) {
      if (!open) return;
      sent.push({ case: "result", value: result });
      const waiter = waiters.shift();
      if (waiter) waiter(result);
      else results.push(result);
    },
    nextResult() {
      const result = results.shift();
      return result ? Promise.resolve(result) : new Promise((resolve) => waiters.push(resolve));
    },
    untakenResults: () => results.length,
    pendingResults: () => 0,
    end: async () => (close(), ended),
    abort: close,
    close,
  };
}
