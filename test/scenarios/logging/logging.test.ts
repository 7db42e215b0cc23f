import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "@tenax/proto";
import { startStack, type Stack } from "../../setup/stack.js";

const logFile = join(mkdtempSync(join(tmpdir(), "tenax-log-")), "user.log");
let stack: Stack;
beforeAll(async () => {
  stack = await startStack("logging");
  await stack.scenarioWorker(new URL("./functions.ts", import.meta.url).href, { TENAX_LOG_FILE: logFile });
});
afterAll(() => stack?.stop());

describe("the handler logger", () => {
  it("logs each line once across replays, with run fields, through a user logger", async () => {
    const { ids } = await stack.ingest.sendEvents({ events: [{ name: "log/run", data: {} }] });
    const run = await stack.runForEvent(ids[0]!);
    expect(run.status).toBe(RunStatus.COMPLETED);
    const lines = (existsSync(logFile) ? readFileSync(logFile, "utf8") : "")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.runId === run.id);
    expect(lines.map((l) => l.msg)).toEqual(["start", "inside a", "between", "inside b", "inside c", "end"]);
    for (const l of lines) expect(l).toMatchObject({ runId: run.id, functionId: "logged", attempt: 0 });
    expect(lines.find((l) => l.msg === "inside b")).toMatchObject({ stepId: "b" });
  });
});
