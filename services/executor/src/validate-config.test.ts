import { create } from "@bufbuild/protobuf";
import { FunctionConfigSchema } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { validateFunctionConfig } from "./validate-config.js";

const eventTrigger = (event: string, expression = "") => ({ kind: { case: "event" as const, value: { event, expression } } });
const cronTrigger = (cron: string) => ({ kind: { case: "cron" as const, value: { cron } } });
const config = (init: Record<string, unknown>) => create(FunctionConfigSchema, { id: "f", triggers: [eventTrigger("a")], ...init });

describe("validateFunctionConfig", () => {
  it("accepts a valid config", () => {
    expect(validateFunctionConfig(config({ retries: 20, concurrency: [{ limit: 2, key: "event.data.k" }] }))).toBeNull();
  });

  it("accepts cron triggers: 5 fields, 6 with seconds, a time-zone prefix", () => {
    const triggers = ["0 */6 * * *", "*/2 * * * * *", "TZ=Europe/Paris 0 12 * * 5", "CRON_TZ=America/New_York 30 9 * * 1-5"].map(cronTrigger);
    expect(validateFunctionConfig(config({ triggers }))).toBeNull();
  });

  it.each([
    [{ id: "" }, /function id: is required/],
    [{ id: "has space" }, /function "has space": id must be/],
    [{ triggers: [] }, /triggers: at least one trigger/],
    [{ triggers: Array.from({ length: 11 }, () => eventTrigger("a")) }, /11 triggers exceed the limit of 10/],
    [{ triggers: [eventTrigger("")] }, /triggers\[0\]\.event: is required/],
    [{ triggers: [eventTrigger("a", "event.data.(")] }, /triggers\[0\]\.if: \[invalid_expression\]/],
    [{ retries: 21 }, /retries: 21 is outside 0\.\.20/],
    [{ triggers: [eventTrigger("a\u0000b")] }, /^function "f": config\.triggers\[0\]\.event\.event contains a NUL character/],
    [{ cancelOn: [{ event: "x", expression: "😀".slice(0, 1) }] }, /config\.cancelOn\[0\]\.expression contains a lone UTF-16 surrogate/],
    [{ retries: -1 }, /retries: -1 is outside/],
    [{ concurrency: [{ limit: 0 }] }, /concurrency\[0\]\.limit: must be at least 1/],
    [{ idempotency: "event.data.(" }, /idempotency: \[invalid_expression\]/],
    [{ triggers: [cronTrigger("   ")] }, /^function "f": triggers\[0\]\.cron: is required$/],
    [{ triggers: [eventTrigger("a"), cronTrigger("61 * * * *")] }, /^function "f": triggers\[1\]\.cron: \[invalid_cron\] "61 \* \* \* \*": /],
    [{ triggers: [cronTrigger("* * * *")] }, /^function "f": triggers\[0\]\.cron: \[invalid_cron\] "\* \* \* \*": expected 5 fields/],
    [
      { triggers: [cronTrigger("TZ=Nowhere/Town 0 9 * * *")] },
      /triggers\[0\]\.cron: \[invalid_cron\] "TZ=Nowhere\/Town 0 9 \* \* \*": unknown time zone "Nowhere\/Town"$/,
    ],
  ])("rejects %o", (init, message) => {
    expect(validateFunctionConfig(config(init))).toMatch(message);
  });
});
