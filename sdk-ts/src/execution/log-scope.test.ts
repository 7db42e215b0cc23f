import { describe, expect, it } from "vitest";
import { createLogScope } from "./log-scope.js";

describe("createLogScope", () => {
  const options = (replaying: () => boolean) => ({ runId: "run-1", functionId: "fn", attempt: 2, replaying });

  it("mutes lines outside steps while replaying, then attaches the run fields", () => {
    let replaying = true;
    const scope = createLogScope(options(() => replaying));
    expect(scope.current()).toBeUndefined();
    replaying = false;
    expect(scope.current()).toEqual({ runId: "run-1", functionId: "fn", attempt: 2 });
    // Same object while the scope lasts, so the logger derives one child.
    expect(scope.current()).toBe(scope.current());
  });

  it("always emits inside a step body, with the step id", () => {
    const scope = createLogScope(options(() => true));
    scope.enterStep("fetch-data:1");
    expect(scope.current()).toEqual({ runId: "run-1", functionId: "fn", stepId: "fetch-data:1", attempt: 2 });
    scope.exitStep();
    expect(scope.current()).toBeUndefined();
  });
});
