import { describe, expect, it } from "vitest";
import { latestCronTimeAtOrBefore, nextCronTime, parseCron } from "./cron.js";

/** The next `count` ticks after `from`, as ISO strings. */
function ticks(cron: string, from: string, count: number): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    at = nextCronTime(cron, at);
    out.push(at.toISOString());
  }
  return out;
}

describe("parseCron", () => {
  it("defaults to UTC", () => {
    expect(parseCron("0 */6 * * *")).toEqual({ expression: "0 */6 * * *", tz: "UTC" });
  });

  it("splits a TZ= or CRON_TZ= prefix off", () => {
    expect(parseCron("TZ=Europe/Paris 0 12 * * 5")).toEqual({ expression: "0 12 * * 5", tz: "Europe/Paris" });
    expect(parseCron("CRON_TZ=America/New_York  30 9 * * 1-5")).toEqual({ expression: "30 9 * * 1-5", tz: "America/New_York" });
  });

  it.each([
    ["61 * * * *", /^\[invalid_cron\] "61 \* \* \* \*": .*61/],
    ["* * * *", /^\[invalid_cron\] "\* \* \* \*": expected 5 fields \(6 with leading seconds\), got 4$/],
    ["* * * * * * *", /got 7$/],
    ["", /^\[invalid_cron\] "": expected 5 fields/],
    ["H * * * *", /"H" \(hashed\) values are not supported/],
    ["0 0 30 2 *", /^\[invalid_cron\] "0 0 30 2 \*": /],
    ["TZ=Mars/Olympus 0 12 * * 5", /^\[invalid_cron\] "TZ=Mars\/Olympus 0 12 \* \* 5": unknown time zone "Mars\/Olympus"$/],
  ])("rejects %j", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(message);
  });

  it("accepts day names containing H", () => {
    expect(parseCron("0 9 * * THU").expression).toBe("0 9 * * THU");
  });
});

describe("nextCronTime", () => {
  it("follows the zone's offset: Fridays at noon in Paris are 11:00Z in winter", () => {
    expect(ticks("TZ=Europe/Paris 0 12 * * 5", "2026-11-28T12:00:00Z", 3)).toEqual([
      "2026-12-04T11:00:00.000Z",
      "2026-12-11T11:00:00.000Z",
      "2026-12-18T11:00:00.000Z",
    ]);
  });

  it("and 10:00Z in summer", () => {
    expect(ticks("TZ=Europe/Paris 0 12 * * 5", "2027-06-01T00:00:00Z", 2)).toEqual(["2027-06-04T10:00:00.000Z", "2027-06-11T10:00:00.000Z"]);
  });

  it("CRON_TZ= works like TZ=", () => {
    expect(ticks("CRON_TZ=Europe/Paris 0 12 * * 5", "2026-11-28T12:00:00Z", 1)).toEqual(["2026-12-04T11:00:00.000Z"]);
  });

  it("defaults to UTC", () => {
    expect(ticks("0 12 * * 5", "2026-11-28T12:00:00Z", 2)).toEqual(["2026-12-04T12:00:00.000Z", "2026-12-11T12:00:00.000Z"]);
  });

  it("takes a leading seconds field", () => {
    expect(ticks("*/2 * * * * *", "2026-11-28T12:00:00.500Z", 3)).toEqual(["2026-11-28T12:00:02.000Z", "2026-11-28T12:00:04.000Z", "2026-11-28T12:00:06.000Z"]);
  });

  it("is strictly after", () => {
    expect(nextCronTime("*/2 * * * * *", new Date("2026-11-28T12:00:02.000Z")).toISOString()).toBe("2026-11-28T12:00:04.000Z");
  });

  it("throws the parse error", () => {
    expect(() => nextCronTime("nope", new Date())).toThrow(/^\[invalid_cron\] "nope"/);
  });
});

describe("latestCronTimeAtOrBefore", () => {
  it("includes a tick exactly at the instant", () => {
    expect(latestCronTimeAtOrBefore("*/2 * * * * *", new Date("2026-11-28T12:00:02.000Z"))?.toISOString()).toBe("2026-11-28T12:00:02.000Z");
  });

  it("returns the most recent of several missed ticks", () => {
    expect(latestCronTimeAtOrBefore("*/2 * * * * *", new Date("2026-11-28T12:00:09.999Z"))?.toISOString()).toBe("2026-11-28T12:00:08.000Z");
    expect(latestCronTimeAtOrBefore("TZ=Europe/Paris 0 12 * * 5", new Date("2026-12-17T00:00:00Z"))?.toISOString()).toBe("2026-12-11T11:00:00.000Z");
  });
});
