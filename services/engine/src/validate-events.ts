import { randomUUID } from "node:crypto";
import { invalidArgument } from "@tenax/common";
import { ErrorReason, reservedEventPrefix, type Event } from "@tenax/proto";
import { findUnstorable, mayHoldUnstorable, unstorableMessage, type EventInput } from "@tenax/state";
import { limits } from "./limits.js";

/**
 * Validates a SendEvents batch and normalises it for storage. The first problem fails the
 * whole call with INVALID_ARGUMENT naming the event index, the field and the limit.
 */
export function validateEvents(events: Event[], nowMs: number, allowReserved = false): EventInput[] {
  if (events.length === 0) throw invalidArgument(ErrorReason.INVALID_EVENT, "events: at least one event is required");
  if (events.length > limits.eventsPerCall) {
    throw invalidArgument(ErrorReason.TOO_MANY_EVENTS, `events: ${events.length} events exceed the limit of ${limits.eventsPerCall} per call`);
  }
  let total = 0;
  return events.map((e, i) => {
    const at = `events[${i}]`;
    if (!e.name) throw invalidArgument(ErrorReason.INVALID_EVENT, `${at}.name: is required`);
    if (e.name.length > limits.eventNameMaxChars) {
      throw invalidArgument(ErrorReason.INVALID_EVENT, `${at}.name: ${e.name.length} characters exceed the limit of ${limits.eventNameMaxChars}`);
    }
    if (!allowReserved && e.name.startsWith(reservedEventPrefix)) {
      throw invalidArgument(ErrorReason.RESERVED_EVENT_NAME, `${at}.name: "${e.name}" uses the reserved prefix "${reservedEventPrefix}"`);
    }
    const data = e.data ?? {};
    const dataJson = JSON.stringify(data);
    const userJson = e.user ? JSON.stringify(e.user) : "";
    // Events are stored as jsonb: a NUL or lone surrogate anywhere would fail the whole batch.
    const unstorable =
      findUnstorable(e.name, `${at}.name`) ??
      findUnstorable(e.id, `${at}.id`) ??
      findUnstorable(e.v, `${at}.v`) ??
      (mayHoldUnstorable(dataJson) ? findUnstorable(data, `${at}.data`) : null) ??
      (mayHoldUnstorable(userJson) ? findUnstorable(e.user, `${at}.user`) : null);
    if (unstorable) throw invalidArgument(ErrorReason.INVALID_EVENT, unstorableMessage(unstorable));
    const size = Buffer.byteLength(dataJson) + Buffer.byteLength(userJson) + e.name.length + e.v.length;
    if (size > limits.eventMaxBytes) {
      throw invalidArgument(ErrorReason.EVENT_TOO_LARGE, `${at}: ${size} bytes exceed the limit of ${limits.eventMaxBytes} bytes (512 KiB) per event`);
    }
    total += size;
    if (total > limits.sendEventsMaxBytes) {
      throw invalidArgument(ErrorReason.REQUEST_TOO_LARGE, `events: more than ${limits.sendEventsMaxBytes} bytes (16 MiB) in one call (exceeded at ${at})`);
    }
    if (e.id.length > limits.eventNameMaxChars) {
      throw invalidArgument(ErrorReason.INVALID_EVENT, `${at}.id: ${e.id.length} characters exceed the limit of ${limits.eventNameMaxChars}`);
    }
    if (e.v.length > limits.eventVersionMaxChars) {
      throw invalidArgument(ErrorReason.INVALID_EVENT, `${at}.v: ${e.v.length} characters exceed the limit of ${limits.eventVersionMaxChars}`);
    }
    return {
      id: e.id || randomUUID(),
      producerId: e.id !== "",
      name: e.name,
      data: data as Record<string, unknown>,
      user: (e.user as Record<string, unknown> | undefined) ?? null,
      ts: e.ts > 0n ? Number(e.ts) : nowMs,
      v: e.v,
    };
  });
}
