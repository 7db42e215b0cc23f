import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason, ErrorReasonSchema, ReasonError, reasonMessage, reasonOf, reasonOfError, reasonSlug } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { invalidArgument, notFound, ReasonConnectError, toConnectError } from "./errors.js";

describe("error reasons (the closed list in errors.proto)", () => {
  it("maps every reason to its slug and back", () => {
    const values = ErrorReasonSchema.values.filter((v) => v.number !== ErrorReason.UNSPECIFIED);
    expect(values.length).toBeGreaterThanOrEqual(40);
    for (const v of values) {
      const slug = reasonSlug(v.number);
      expect(slug).toBe(v.name.replace(/^ERROR_REASON_/, "").toLowerCase());
      expect(slug).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(reasonOf(slug)).toBe(v.number);
    }
    expect(new Set(values.map((v) => reasonSlug(v.number))).size).toBe(values.length);
  });

  it("knows the slugs Tenax uses", () => {
    expect(reasonSlug(ErrorReason.SLEEP_TOO_LONG)).toBe("sleep_too_long");
    expect(reasonOf("invalid_event")).toBe(ErrorReason.INVALID_EVENT);
    expect(reasonOf("invalid_duration")).toBe(ErrorReason.INVALID_DURATION);
    expect(reasonOf("output_not_serializable")).toBe(ErrorReason.OUTPUT_NOT_SERIALIZABLE);
  });

  it("has no slug for UNSPECIFIED, an unknown number, or the SDK's class codes", () => {
    expect(reasonSlug(ErrorReason.UNSPECIFIED)).toBe("");
    expect(reasonSlug(9999 as ErrorReason)).toBe("");
    for (const slug of ["", "unspecified", "non_retriable", "retry_after", "step_failed", "Sleep_Too_Long", "[sleep_too_long]"]) {
      expect(reasonOf(slug)).toBe(ErrorReason.UNSPECIFIED);
    }
  });

  it("prefixes a message with the slug once, and not at all without a reason", () => {
    expect(reasonMessage(ErrorReason.WAIT_TOO_LONG, 'step "w": too long')).toBe('[wait_too_long] step "w": too long');
    expect(reasonMessage(ErrorReason.UNSPECIFIED, "boom")).toBe("boom");
  });

  it("ReasonError keeps reason and detail apart from the message", () => {
    const err = new ReasonError(ErrorReason.INVALID_CRON, '"* *": expected 5 fields');
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      name: "ReasonError",
      reason: ErrorReason.INVALID_CRON,
      detail: '"* *": expected 5 fields',
      message: '[invalid_cron] "* *": expected 5 fields',
    });
    expect(reasonOfError(err, ErrorReason.INTERNAL)).toEqual({ reason: ErrorReason.INVALID_CRON, detail: '"* *": expected 5 fields' });
    expect(reasonOfError(new Error("plain"), ErrorReason.INTERNAL)).toEqual({ reason: ErrorReason.INTERNAL, detail: "plain" });
    expect(reasonOfError("text", ErrorReason.INTERNAL)).toEqual({ reason: ErrorReason.INTERNAL, detail: "text" });
  });
});

describe("RPC errors carry their reason as an ErrorInfo detail", () => {
  it("invalidArgument / notFound: status, message with one prefix, detail, reason and detail in-process", () => {
    const bad = invalidArgument(ErrorReason.INVALID_RUN_ID, 'run_id: "x" is not a UUID');
    expect(bad).toBeInstanceOf(ConnectError);
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toBe('[invalid_run_id] run_id: "x" is not a UUID');
    expect(bad.findDetails(ErrorInfoSchema)).toMatchObject([{ reason: ErrorReason.INVALID_RUN_ID, message: bad.rawMessage }]);
    expect(reasonOfError(bad, ErrorReason.INTERNAL)).toEqual({ reason: ErrorReason.INVALID_RUN_ID, detail: 'run_id: "x" is not a UUID' });
    const missing = notFound(ErrorReason.RUN_NOT_FOUND, "run r does not exist");
    expect(missing.code).toBe(Code.NotFound);
    expect(missing.findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.RUN_NOT_FOUND);
  });

  it("toConnectError: passes ConnectErrors through, keeps a ReasonError's reason, classifies the rest", () => {
    const passed = new ConnectError("x", Code.Aborted);
    expect(toConnectError(passed)).toBe(passed);
    const reasoned = toConnectError(new ReasonError(ErrorReason.INVALID_CRON, '"x": bad'));
    expect(reasoned).toMatchObject({ code: Code.Internal, rawMessage: '[invalid_cron] "x": bad', reason: ErrorReason.INVALID_CRON });
    const down = toConnectError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    expect(down.code).toBe(Code.Unavailable);
    expect(down.rawMessage).toBe("[database_unavailable] connect ECONNREFUSED");
    expect(down.findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.DATABASE_UNAVAILABLE);
    const bug = toConnectError(new TypeError("x is undefined"));
    expect(bug.code).toBe(Code.Internal);
    expect(bug.rawMessage).toBe("[internal] x is undefined");
    expect(bug).toBeInstanceOf(ReasonConnectError);
    expect(bug.findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.INTERNAL);
  });
});
