import { create } from "@bufbuild/protobuf";
import { ErrorCode, ExecutionResultSchema, ResultAckSchema } from "@tenax/proto";
import { describe, expect, it, vi } from "vitest";
import type { Logger } from "../logger/logger.js";
import { createPendingResults } from "./pending-results.js";

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const result = (requestId: string) => create(ExecutionResultSchema, { requestId, runId: "r" });
const ack = (requestId: string, accepted: boolean, code = ErrorCode.UNSPECIFIED) => create(ResultAckSchema, { requestId, accepted, code });

describe("pending results", () => {
  it("forgets acknowledged results", () => {
    const resend = vi.fn();
    const pending = createPendingResults(resend, logger);
    pending.add(result("a"));
    pending.ack(ack("a", true));
    pending.sweep(Date.now() + 60_000);
    expect(resend).not.toHaveBeenCalled();
    expect(pending.size()).toBe(0);
  });

  it("resends once after 5 s without ack, then drops", () => {
    const resend = vi.fn();
    const pending = createPendingResults(resend, logger);
    const start = Date.now();
    pending.add(result("a"));
    pending.sweep(start + 1000);
    expect(resend).not.toHaveBeenCalled();
    pending.sweep(start + 5100);
    expect(resend).toHaveBeenCalledTimes(1);
    pending.sweep(start + 10_200);
    expect(resend).toHaveBeenCalledTimes(1);
    expect(pending.size()).toBe(0);
  });

  it("drops a result whose lease expired, keeps one that hit an internal error", () => {
    const resend = vi.fn();
    const pending = createPendingResults(resend, logger);
    pending.add(result("expired"));
    pending.add(result("internal"));
    pending.ack(ack("expired", false, ErrorCode.LEASE_EXPIRED));
    pending.ack(ack("internal", false, ErrorCode.INTERNAL));
    expect(pending.size()).toBe(1);
    pending.sweep(Date.now() + 5100);
    expect(resend).toHaveBeenCalledWith(expect.objectContaining({ requestId: "internal" }));
  });
});
