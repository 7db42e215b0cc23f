// The verdict: what the run must show after every fault. Each check counts its failures and
// keeps a few examples, precise enough to start a diagnosis from (run ids, step ids, ledger lines).
import { RunStatus, StepStatus, type Run, type StepRecord } from "@tenax/proto";
import { terminal } from "./clients.js";
import { stepKey, type Ledger } from "./ledger.js";
import { expectedChild, expectedFlow, type Expected } from "./plan.js";
import type { Sent, SignalOutcome } from "./traffic.js";

export interface Check {
  failures: number;
  examples: string[];
}

export interface Verdict {
  checks: Record<string, Check>;
  /** Step bodies that ran more than once before one result was stored: allowed (at-least-once), and shows the faults bit. */
  bodiesRunAgainBeforeStore: number;
  storedStepsWithToken: number;
}

export interface CheckInput {
  accepted: Sent[];
  unacknowledged: Sent[];
  signals: SignalOutcome[];
  runs: Run[];
  steps: Map<string, StepRecord[]>;
  ledger: Ledger;
  deaths: string[];
  faultCounts: Record<string, number>;
  faultErrors: string[];
}

const maxExamples = 8;
const utf8 = new TextDecoder();

function check(): Check & { fail(example: string): void } {
  const c = { failures: 0, examples: [] as string[] };
  return Object.assign(c, {
    fail(example: string) {
      c.failures++;
      if (c.examples.length < maxExamples) c.examples.push(example);
    },
  });
}

/** JSON with object keys sorted: Postgres (jsonb) does not keep key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as object).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

const parse = (bytes: Uint8Array): unknown => (bytes.length ? JSON.parse(utf8.decode(bytes)) : undefined);

/** The ledger token a stored step carries: in its output (a body that returned) or its error (a body that threw for good). */
function tokenOf(step: StepRecord): string | undefined {
  if (step.status === StepStatus.COMPLETED) {
    const out = parse(step.output) as { token?: unknown } | null | undefined;
    return out && typeof out === "object" && typeof out.token === "string" ? out.token : undefined;
  }
  return /token=([0-9a-f-]{36})/.exec(step.error?.message ?? "")?.[1];
}

function outcomeProblem(run: Run, expected: Expected): string | null {
  if (expected.status === "failed") {
    if (run.status !== RunStatus.FAILED) return `expected FAILED, got ${RunStatus[run.status]} ${utf8.decode(run.output)}`;
    const message = run.error?.message ?? "";
    return message.startsWith(expected.errorPrefix) ? null : `expected an error starting "${expected.errorPrefix}", got "${message.slice(0, 120)}"`;
  }
  if (run.status !== RunStatus.COMPLETED) return `expected COMPLETED, got ${RunStatus[run.status]} (${run.error?.message.slice(0, 120) ?? ""})`;
  const got = canonical(parse(run.output));
  const want = canonical(expected.output);
  return got === want ? null : `output ${got} != expected ${want}`;
}

export function judge(input: CheckInput): Verdict {
  const lost = check();
  const duplicate = check();
  const reRun = check();
  const wrongOutput = check();
  const unexpectedDeath = check();
  const faultMissing = check();
  const unacknowledged = check();
  const signalDelivery = check();
  const faultLoop = check();

  // Runs by (function, triggering event): exactly one each.
  const byEvent = new Map<string, Run[]>();
  for (const run of input.runs) {
    const k = `${run.functionId} ${run.eventIds[0] ?? "?"}`;
    byEvent.set(k, [...(byEvent.get(k) ?? []), run]);
  }
  for (const [k, runs] of byEvent)
    if (runs.length > 1) duplicate.fail(`${k}: ${runs.length} runs (${runs.map((r) => `${r.id} ${RunStatus[r.status]}`).join(", ")})`);

  const signalOf = new Map(input.signals.map((s) => [s.eventId, s]));
  const parentOf = new Map<string, Sent>();
  for (const sent of input.accepted) {
    const runs = byEvent.get(`${sent.functionId} ${sent.eventId}`) ?? [];
    if (runs.length === 0) {
      lost.fail(`event ${sent.eventId} (${sent.functionId}) was accepted but started no run`);
      continue;
    }
    for (const run of runs) {
      parentOf.set(run.id, sent);
      if (!terminal.has(run.status)) {
        lost.fail(`run ${run.id} of event ${sent.eventId} never ended: ${RunStatus[run.status]}, ${run.stepCount} steps, attempt ${run.attempt}`);
        continue;
      }
      const problem = outcomeProblem(run, expectedFlow(sent.plan));
      if (problem) {
        const s = signalOf.get(sent.eventId);
        const signal = s ? `; awaited event: waiting seen at ${s.waitingAt ?? "-"}, sent at ${s.sentAt ?? "-"}${s.problem ? `, ${s.problem}` : ""}` : "";
        wrongOutput.fail(`run ${run.id} (${sent.functionId}, event ${sent.eventId}, plan ${JSON.stringify(sent.plan)}): ${problem}${signal}`);
      }
    }
  }
  // Children: their parent's plan says what they return (the invoke's event id names the parent run).
  for (const run of input.runs) {
    const parentRunId = /^invoke-([0-9a-f-]{36})-/.exec(run.eventIds[0] ?? "")?.[1];
    const parent = parentRunId ? parentOf.get(parentRunId) : undefined;
    if (!parentRunId) continue;
    if (!terminal.has(run.status)) lost.fail(`child run ${run.id} (of run ${parentRunId}) never ended: ${RunStatus[run.status]}`);
    else if (parent) {
      const problem = outcomeProblem(run, { status: "completed", output: expectedChild(parent.plan.seed) });
      if (problem) wrongOutput.fail(`child run ${run.id} of run ${parentRunId}: ${problem}`);
    }
  }

  // A stored step's body must not have run after the execution whose result was stored.
  let runAgain = 0;
  let withToken = 0;
  for (const [runId, steps] of input.steps)
    for (const step of steps) {
      const token = tokenOf(step);
      if (!token) continue;
      withToken++;
      const at = input.ledger.indexOf.get(token);
      const name = step.userId;
      if (at === undefined) {
        reRun.fail(`run ${runId} step ${name}: stored token ${token} is in no ledger entry`);
        continue;
      }
      const last = input.ledger.lastOf.get(stepKey(runId, name))!;
      if (last > at) {
        const later = input.ledger.entries.slice(at + 1, last + 1).filter((e) => e.r === runId && e.s === name);
        reRun.fail(
          `run ${runId} step ${name}: stored result is ledger line ${at + 1} (${JSON.stringify(input.ledger.entries[at])}); ran again after: ${later.map((e) => JSON.stringify(e)).join(" ")}`,
        );
      }
      const before = input.ledger.entries.slice(0, at).filter((e) => e.r === runId && e.s === name && e.k === "ok").length;
      if (before > 0) runAgain++;
    }

  for (const d of input.deaths) unexpectedDeath.fail(d);
  for (const [kind, n] of Object.entries(input.faultCounts)) if (n === 0) faultMissing.fail(`fault "${kind}" never hit`);
  for (const s of input.unacknowledged) unacknowledged.fail(`event ${s.eventId}: SendEvents never acknowledged`);
  for (const s of input.signals) if (s.problem) signalDelivery.fail(`event ${s.eventId}: ${s.problem}`);
  for (const e of input.faultErrors) faultLoop.fail(e);

  const checks = { lost, duplicate, reRun, wrongOutput, unexpectedDeath, faultMissing, unacknowledged, signalDelivery, faultLoop };
  return {
    checks: Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, { failures: c.failures, examples: c.examples }])),
    bodiesRunAgainBeforeStore: runAgain,
    storedStepsWithToken: withToken,
  };
}
