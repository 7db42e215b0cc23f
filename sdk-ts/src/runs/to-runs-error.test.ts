import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { TenaxError } from "../errors/tenax-error.js";
import { isTransient, toRunsError } from "./to-runs-error.js";

const reasoned = (reason: ErrorReason, message: string, code: Code) =>
  new ConnectError(message, code, undefined, [{ desc: ErrorInfoSchema, value: { reason, message } }]);
const url = "http://127.0.0.1:8288";

describe("toRunsError", () => {
  it("takes the code from the service's reason and drops its [slug] prefix", () => {
    const rpc = reasoned(ErrorReason.RUN_NOT_FOUND, "[run_not_found] run x does not exist", Code.NotFound);
    const err = toRunsError(rpc, "get run x", url);
    expect(err).toBeInstanceOf(TenaxError);
    expect(err).toMatchObject({ code: "run_not_found", message: "get run x: run x does not exist", cause: rpc });
  });

  it("says a refused key needs the signing key", () => {
    const err = toRunsError(reasoned(ErrorReason.UNAUTHENTICATED, "[unauthenticated] requires a valid key", Code.Unauthenticated), "list runs", url);
    expect(err.code).toBe("unauthenticated");
    expect(err.message).toContain("TENAX_SIGNING_KEY");
  });

  it("calls a URL that is no run API connect_failed, naming it; anything else internal", () => {
    const refused = toRunsError(new ConnectError("connect ECONNREFUSED 127.0.0.1:1", Code.Unavailable), "get run x", url);
    expect(refused).toMatchObject({ code: "connect_failed", message: expect.stringContaining(url) });
    expect(toRunsError(new ConnectError("HTTP 404", Code.Unimplemented), "get run x", url).code).toBe("connect_failed");
    expect(toRunsError(new Error("boom"), "get run x", url).code).toBe("connect_failed"); // ConnectError.from: Unknown
    expect(toRunsError(new ConnectError("bad", Code.FailedPrecondition), "get run x", url).code).toBe("internal");
  });

  it("passes a TenaxError through", () => {
    const own = new TenaxError("invalid_function_id", "x");
    expect(toRunsError(own, "y", url)).toBe(own);
  });
});

describe("isTransient", () => {
  it("retries lost connections and an unreachable database, nothing with another reason", () => {
    expect(isTransient(new ConnectError("reset", Code.Unavailable))).toBe(true);
    expect(isTransient(new ConnectError("stream reset", Code.Internal))).toBe(true);
    expect(isTransient(reasoned(ErrorReason.DATABASE_UNAVAILABLE, "down", Code.Unavailable))).toBe(true);
    expect(isTransient(reasoned(ErrorReason.INTERNAL, "bug", Code.Internal))).toBe(false);
    expect(isTransient(reasoned(ErrorReason.RUN_NOT_FOUND, "gone", Code.NotFound))).toBe(false);
    expect(isTransient(new ConnectError("no", Code.PermissionDenied))).toBe(false);
    expect(isTransient(new TenaxError("connect_failed", "lost"))).toBe(true);
    expect(isTransient(new TenaxError("run_not_found", "x"))).toBe(false);
  });
});
