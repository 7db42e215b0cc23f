import { create, toBinary, type JsonObject } from "@bufbuild/protobuf";
import { errorInfoFromJson } from "@tenax/common";
import { ErrorInfoSchema, MemoEntrySchema, StoredEventSchema, type MemoEntry, type StoredEvent } from "@tenax/proto";
import type { EventRow, StepInsert, StepRow } from "@tenax/state";

const utf8 = new TextEncoder();

/** A stored step as the worker replays it. */
export function memoEntryFromStep(s: StepRow): MemoEntry {
  if (s.status === "failed") {
    return create(MemoEntrySchema, { stepId: s.stepId, result: { case: "error", value: errorInfoFromJson(s.error)! } });
  }
  return create(MemoEntrySchema, { stepId: s.stepId, result: { case: "data", value: utf8.encode(s.output ?? "null") } });
}

/** A step just stored (not read back) as the worker replays it. */
export function memoEntryFromInsert(s: StepInsert): MemoEntry {
  return create(MemoEntrySchema, {
    stepId: s.stepId,
    result:
      s.status === "completed"
        ? { case: "data", value: utf8.encode(s.output ?? "null") }
        : { case: "error", value: errorInfoFromJson(s.error) ?? create(ErrorInfoSchema, {}) },
  });
}

export function storedEventFromRow(e: EventRow): StoredEvent {
  return create(StoredEventSchema, {
    event: { id: e.id, name: e.name, data: e.data as JsonObject, user: (e.user as JsonObject | null) ?? undefined, ts: BigInt(e.ts), v: e.v },
    seq: BigInt(e.seq),
    receivedAtMs: BigInt(e.receivedAtMs),
  });
}

/** What a memo entry adds to the run state: its output, or its stored error (errors count too). */
export function memoBytes(m: MemoEntry): number {
  if (m.result.case === "data") return m.result.value.length;
  if (m.result.case === "error") return toBinary(ErrorInfoSchema, m.result.value).length;
  return 0;
}
