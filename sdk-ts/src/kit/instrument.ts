import type { HandlerContext } from "../function/types.js";
import type { StepTools } from "../steps/step-tools.js";

/** What a mocked step returns: a value, or a function of the attempt computing it (it may throw). */
export type StepMock = unknown | ((ctx: StepMockContext) => unknown);

export interface StepMockContext {
  /** 0-based attempt of the step. */
  attempt: number;
  /** The step's id with its counter (`"charge:1"` for the second `"charge"`). */
  stepId: string;
}

/** A registered mock: `calls` counts the attempts that ran it. */
export interface MockHandle {
  readonly id: string;
  readonly calls: number;
}

export interface RegisteredMock extends MockHandle {
  calls: number;
  mock: StepMock;
}

/** One step call as the handler made it, in call order (memo hits included). */
export interface RecordedCall {
  /** The id with its counter, as the engine allocates it. */
  stepId: string;
  /** The tool: "run", "sleep", "sleepUntil", "waitForEvent", "invoke", "sendEvent". */
  tool: string;
}

/**
 * The step ids the engine allocates, mirrored (same rule as steps/step-id.ts: PROTOCOL §5.2), with a
 * peek so a call that throws before reaching the engine (bad arguments) allocates nothing here either.
 */
function createMirrorAllocator() {
  const used = new Set<string>();
  const nextCounter = new Map<string, number>();
  const peek = (id: string): { userId: string; commit(): void } => {
    if (!used.has(id)) return { userId: id, commit: () => void used.add(id) };
    let n = nextCounter.get(id) ?? 1;
    while (used.has(`${id}:${n}`)) n++;
    const userId = `${id}:${n}`;
    return {
      userId,
      commit: () => {
        nextCounter.set(id, n + 1);
        used.add(userId);
      },
    };
  };
  return peek;
}

/**
 * Wraps a handler so that its step calls are recorded (for the determinism check) and mocked
 * steps run the mock instead: a mocked `step.run` runs the mock as its body; any other mocked
 * tool becomes a `step.run` of the same id whose body is the mock (same step id, so the memo
 * stays consistent), e.g. a mocked `waitForEvent` resolves with the mock's value at once.
 */
export function instrumentHandler(
  handler: (ctx: HandlerContext<any>) => unknown,
  options: { record?: RecordedCall[]; mockFor(stepId: string, name: string): RegisteredMock | undefined },
): (ctx: HandlerContext<any>) => unknown {
  return (ctx) => {
    const peek = createMirrorAllocator();
    const step = ctx.step;
    const call = <R>(tool: keyof StepTools, id: unknown, real: () => Promise<R>, makesStep = true): Promise<R> => {
      const slot = typeof id === "string" && id !== "" && makesStep ? peek(id) : undefined;
      const mock = slot ? options.mockFor(slot.userId, id as string) : undefined;
      const result = mock
        ? step.run(id as string, () => {
            mock.calls++;
            const m = mock.mock;
            return typeof m === "function" ? (m as (c: StepMockContext) => unknown)({ attempt: ctx.attempt, stepId: slot!.userId }) : m;
          })
        : real();
      // Reached only when the tool did not throw at once: the engine allocated the id too.
      if (slot) {
        slot.commit();
        options.record?.push({ stepId: slot.userId, tool });
      }
      // A mocked sleep still resolves with undefined, as a real one does.
      return mock && (tool === "sleep" || tool === "sleepUntil") ? (result.then(() => undefined) as Promise<R>) : (result as Promise<R>);
    };
    const tools: StepTools = {
      run: ((id: string, fn: () => unknown) => call("run", id, () => step.run(id, fn))) as StepTools["run"],
      sleep: (id, duration) => call("sleep", id, () => step.sleep(id, duration)),
      sleepUntil: (id, at) => call("sleepUntil", id, () => step.sleepUntil(id, at)),
      waitForEvent: ((id: string, opts: Parameters<StepTools["waitForEvent"]>[1]) =>
        call("waitForEvent", id, () => step.waitForEvent(id, opts))) as StepTools["waitForEvent"],
      invoke: ((id: string, opts: Parameters<StepTools["invoke"]>[1]) => call("invoke", id, () => step.invoke(id, opts))) as StepTools["invoke"],
      // An empty list makes no step (see step.sendEvent).
      sendEvent: (id, events) => call("sendEvent", id, () => step.sendEvent(id, events), !Array.isArray(events) || events.length > 0),
    };
    return handler({ ...ctx, step: tools });
  };
}
