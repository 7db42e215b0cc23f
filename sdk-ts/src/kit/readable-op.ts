import { OpCode } from "@tenax/proto";
import { deserializeError } from "../errors/serialize.js";
import type { ReportedOp } from "../execution/ops.js";
import { decodeJson } from "../json/codec.js";
import { decode } from "./state.js";
import type { TestOp } from "./types.js";

/** An op as the kit reports it: readable ids, parsed JSON, times in ms. */
export function readableOp(op: ReportedOp, request: number, attempt: number): TestOp {
  const out: TestOp = { request, attempt, code: OpCode[op.code] ?? String(op.code) };
  if (op.userId) out.stepId = op.userId;
  if (op.stepType) out.stepType = op.stepType;
  if ((op.code === OpCode.STEP_RAN || op.code === OpCode.RUN_COMPLETE) && op.data) out.output = decode(op.data);
  if (op.error) out.error = deserializeError(op.error);
  if (op.noRetry) out.noRetry = true;
  if (op.retryAfterMs && op.retryAfterMs > 0n) out.retryAt = Number(op.retryAfterMs);
  switch (op.opts?.case) {
    case "sleep":
      out.until = Number(op.opts.value.untilMs);
      break;
    case "waitForEvent": {
      const w = op.opts.value;
      out.wait = { event: w.event, timeoutAt: Number(w.timeoutAtMs), ...(w.expression ? { if: w.expression } : {}), ...(w.match ? { match: w.match } : {}) };
      break;
    }
    case "invoke": {
      const v = op.opts.value;
      out.invoke = {
        functionId: v.functionId,
        ...(v.appId ? { appId: v.appId } : {}),
        data: v.dataJson.length ? decodeJson(v.dataJson) : {},
        ...(v.timeoutAtMs > 0n ? { timeoutAt: Number(v.timeoutAtMs) } : {}),
      };
      break;
    }
    case "sendEvent":
      out.events = op.opts.value.events.map((e) => ({ name: e.name ?? "", data: e.data ?? {}, ...(e.id ? { id: e.id } : {}) }));
      break;
    default:
      break;
  }
  return out;
}
