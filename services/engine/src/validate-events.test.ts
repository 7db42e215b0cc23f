import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema, ErrorReason, EventSchema, type Event } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { validateEvents } from "./validate-events.js";

const ev = (init: Parameters<typeof create<typeof EventSchema>>[1]) => create(EventSchema, init);

/** The refusal of a batch: an INVALID_ARGUMENT ConnectError. */
function refusal(events: Event[]): ConnectError {
  try {
    validateEvents(events, 0);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error("expected the batch to be refused");
}

describe("validateEvents", () => {
  it("normalises: generates ids, defaults ts to receive time, keeps producer ids", () => {
    const [a, b] = validateEvents([ev({ name: "a/b", data: { x: 1 } }), ev({ id: "mine", name: "a/c", ts: 5n })], 1000);
    expect(a).toMatchObject({ name: "a/b", data: { x: 1 }, ts: 1000, producerId: false });
    expect(a!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatchObject({ id: "mine", ts: 5, producerId: true });
  });

  it.each([
    [[ev({ name: "" })], /events\[0\]\.name: is required/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "x".repeat(257) })], /257 characters exceed the limit of 256/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "tenax/x" })], /reserved prefix "tenax\/"/, ErrorReason.RESERVED_EVENT_NAME],
    [
      [ev({ name: "ok" }), ev({ name: "big", data: { s: "x".repeat(524_288) } })],
      /events\[1\]: \d+ bytes exceed the limit of 524288/,
      ErrorReason.EVENT_TOO_LARGE,
    ],
    [[], /at least one event/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "ok", data: { a: [{ s: "x\u0000" }] } })], /events\[0\]\.data\.a\[0\]\.s contains a NUL character/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "ok", user: { s: "😀".slice(0, 1) } })], /events\[0\]\.user\.s contains a lone UTF-16 surrogate/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "a\u0000" })], /events\[0\]\.name contains a NUL character/, ErrorReason.INVALID_EVENT],
    [[ev({ name: "ok", id: "\u0000" })], /events\[0\]\.id contains a NUL character/, ErrorReason.INVALID_EVENT],
  ])("rejects %#", (events, message, reason) => {
    expect(() => validateEvents(events, 0)).toThrow(message);
    // The reason is data: an ErrorInfo detail of the RPC error; the text has its slug once.
    const err = refusal(events);
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ErrorInfoSchema).map((d) => d.reason)).toEqual([reason]);
    expect(err.rawMessage.startsWith(`[${ErrorReason[reason].toLowerCase()}] events`)).toBe(true);
    expect(err.rawMessage.match(/\[[a-z_]+\]/g)).toHaveLength(1);
  });

  it("rejects more than 5000 events and more than 16 MiB per call", () => {
    expect(() =>
      validateEvents(
        Array.from({ length: 5001 }, () => ev({ name: "n" })),
        0,
      ),
    ).toThrow(/5001 events exceed the limit of 5000/);
    expect(refusal(Array.from({ length: 5001 }, () => ev({ name: "n" }))).findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.TOO_MANY_EVENTS);
    const big = Array.from({ length: 40 }, () => ev({ name: "n", data: { s: "x".repeat(500_000) } }));
    expect(() => validateEvents(big, 0)).toThrow(/16 MiB/);
    expect(refusal(big).findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.REQUEST_TOO_LARGE);
  });

  it("limits the event's v (schema version) like its id, naming the field", () => {
    expect(validateEvents([ev({ name: "n", v: "2024-01-01.1" })], 0)[0]!.v).toBe("2024-01-01.1");
    const err = refusal([ev({ name: "ok" }), ev({ name: "n", v: "v".repeat(129) })]);
    expect(err.message).toContain("events[1].v: 129 characters exceed the limit of 128");
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe(ErrorReason.INVALID_EVENT);
  });
});
