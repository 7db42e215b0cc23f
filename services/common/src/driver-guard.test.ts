import { describe, expect, it } from "vitest";
import { isDriverWriteAfterClose } from "./driver-guard.js";

describe("isDriverWriteAfterClose", () => {
  it("recognises postgres.js writing to a dropped socket, and nothing else", () => {
    const bug = new TypeError("Cannot read properties of null (reading 'write')");
    bug.stack = `${bug.message}\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:483:21)`;
    expect(isDriverWriteAfterClose(bug)).toBe(true);
    const ours = new TypeError("Cannot read properties of null (reading 'write')");
    ours.stack = `${ours.message}\n    at flush (file:///app/services/executor/src/outbox.ts:10:3)`;
    expect(isDriverWriteAfterClose(ours)).toBe(false);
    expect(isDriverWriteAfterClose(new Error("boom"))).toBe(false);
    expect(isDriverWriteAfterClose("nope")).toBe(false);
  });
});
