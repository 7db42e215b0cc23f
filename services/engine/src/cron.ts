import { CronExpressionParser } from "cron-parser";
import { ErrorReason, ReasonError } from "@tenax/proto";

export interface ParsedCron {
  /** The expression without its time-zone prefix, as cron-parser takes it. */
  expression: string;
  /** IANA time zone the expression is evaluated in ("UTC" unless prefixed). */
  tz: string;
}

const tzPrefix = /^(?:CRON_)?TZ=(\S+)\s+(.*)$/;
// "H" (a hashed value) is random in cron-parser without a seed, so the executor and every
// scheduler would compute different ticks; a standalone H token (not the H of "THU") is rejected.
const hashedValue = /(^|[^A-Za-z])H([^A-Za-z]|$)/i;

/**
 * Splits and validates a cron: 5 fields, or 6 with seconds first, optionally prefixed with
 * `TZ=Area/City ` or `CRON_TZ=Area/City `. Throws a ReasonError `invalid_cron`: `[invalid_cron] "<cron>": <why>`.
 */
export function parseCron(cron: string): ParsedCron {
  const fail = (why: string) => new ReasonError(ErrorReason.INVALID_CRON, `"${cron}": ${why}`);
  const trimmed = cron.trim();
  const prefixed = tzPrefix.exec(trimmed);
  const tz = prefixed ? prefixed[1]! : "UTC";
  const expression = prefixed ? prefixed[2]!.trim() : trimmed;
  // cron-parser reports an unknown zone as an unreadable date error; check it first.
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
  } catch {
    throw fail(`unknown time zone "${tz}"`);
  }
  const fields = expression ? expression.split(/\s+/) : [];
  // cron-parser also accepts fewer fields (filling in defaults); only the two documented forms pass.
  if (fields.length !== 5 && fields.length !== 6) throw fail(`expected 5 fields (6 with leading seconds), got ${fields.length}`);
  if (fields.some((f) => hashedValue.test(f))) throw fail(`"H" (hashed) values are not supported`);
  try {
    // Computing one tick also catches expressions that parse but never match.
    CronExpressionParser.parse(expression, { tz, currentDate: new Date() }).next();
  } catch (err) {
    throw fail((err as Error).message);
  }
  return { expression, tz };
}

/** The first tick strictly after `after`. */
export function nextCronTime(cron: string, after: Date): Date {
  const { expression, tz } = parseCron(cron);
  return CronExpressionParser.parse(expression, { currentDate: after, tz }).next().toDate();
}

/**
 * The most recent tick at or before `at`, or null if there is none. The scheduler fires this
 * one tick for a schedule that fell behind (every scheduler was down), not each missed tick.
 */
export function latestCronTimeAtOrBefore(cron: string, at: Date): Date | null {
  const { expression, tz } = parseCron(cron);
  try {
    // prev() is strictly before its start; starting 1 ms later includes a tick exactly at `at`.
    return CronExpressionParser.parse(expression, { currentDate: new Date(at.getTime() + 1), tz })
      .prev()
      .toDate();
  } catch {
    return null;
  }
}
