import { executeFunction } from "../execution/execute.js";
import { instrumentHandler, type RecordedCall } from "./instrument.js";
import { maxAttempts, silent, type Kit, type RunState } from "./state.js";

// Crash injection: at a crash point the run stops and its memo is replayed twice, running no step
// body; two replays that call different step ids mean code outside steps is not deterministic.

/** Stops the run here and replays its memo twice, running no step body; compares the step calls. */
export async function crash(k: Kit, run: RunState): Promise<void> {
  const afterStep = run.order.length;
  if (run.crashes.some((c) => c.afterStep === afterStep)) return;
  const first = await replayCalls(k, run);
  const second = await replayCalls(k, run);
  run.crashes.push({ afterStep, replayedSteps: first });
  const length = Math.max(first.length, second.length);
  for (let i = 0; i < length; i++) {
    if (first[i] === second[i]) continue;
    run.nondeterminism ??= {
      afterStep,
      index: i,
      ...(first[i] === undefined ? {} : { first: first[i] }),
      ...(second[i] === undefined ? {} : { second: second[i] }),
    };
    break;
  }
}

export async function replayCalls(k: Kit, run: RunState): Promise<string[]> {
  const record: RecordedCall[] = [];
  const handler = instrumentHandler(run.fn.handler, { record, mockFor: () => undefined });
  await executeFunction(
    { id: run.fn.id, handler },
    {
      runId: run.id,
      appId: run.appId,
      functionId: run.fn.id,
      attempt: run.attempt,
      maxAttempts: maxAttempts(run),
      event: run.event,
      events: [run.event],
      memo: [...run.memo],
      disableImmediateExecution: true,
      logger: silent,
      now: () => k.time.now(),
    },
  );
  return record.map((c) => c.stepId);
}
