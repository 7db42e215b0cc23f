import { ErrorCode, ErrorReason, ReasonError, RunStatus, reasonSlug, type ErrorInfo, type Run, type StepRecord } from "@tenax/proto";
import { parseArgs } from "../args.js";
import { runClient } from "../clients.js";
import type { CliConfig } from "../config.js";

const text = new TextDecoder();
const json = (b: Uint8Array) => (b.length ? JSON.parse(text.decode(b)) : null);
const status = (s: RunStatus) => (RunStatus[s] ?? "UNKNOWN").toLowerCase();
const time = (ms: bigint) => (ms > 0n ? new Date(Number(ms)).toISOString() : "");

export async function runsList(config: CliConfig, args: string[]): Promise<void> {
  const { flags } = parseArgs(args);
  const wanted = flags.status ? RunStatus[flags.status.toUpperCase() as keyof typeof RunStatus] : RunStatus.UNSPECIFIED;
  if (wanted === undefined) throw new ReasonError(ErrorReason.INVALID_ARGUMENT, `--status ${flags.status}: not a run status`);
  const { runs } = await runClient(config).listRuns({ functionId: flags.function ?? "", status: wanted, eventId: flags.event ?? "" });
  for (const r of runs) {
    process.stdout.write(`${r.id}  ${status(r.status).padEnd(9)}  ${r.appId}/${r.functionId}  ${time(r.createdAtMs)}\n`);
  }
  if (runs.length === 0) process.stdout.write("no runs\n");
}

export async function runsGet(config: CliConfig, runId: string | undefined): Promise<void> {
  if (!runId) throw new ReasonError(ErrorReason.INVALID_ARGUMENT, "usage: tenax runs get <run-id>");
  const { run, steps } = await runClient(config).getRun({ runId });
  process.stdout.write(`${JSON.stringify(describeRun(run!, steps), null, 2)}\n`);
}

/** `tenax runs watch <run-id> [--status-only]`: one JSON line per stored step and status change, until the run ends. */
export async function runsWatch(config: CliConfig, args: string[]): Promise<void> {
  const { flags, positional } = parseArgs(args, ["status-only"]);
  if (!positional[0]) throw new ReasonError(ErrorReason.INVALID_ARGUMENT, "usage: tenax runs watch <run-id> [--status-only]");
  const statusOnly = "status-only" in flags;
  const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
  const terminal = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED];
  let last: RunStatus | undefined;
  let end: Run | undefined;
  for await (const msg of runClient(config).watchRun({ runId: positional[0], statusOnly })) {
    if (msg.step)
      out({
        step: msg.step.userId,
        status: msg.step.status === 1 ? "completed" : "failed",
        output: json(msg.step.output),
        error: describeError(msg.step.error),
      });
    const run = msg.run!;
    // The final state goes last, after the steps stored before it.
    if (terminal.includes(run.status)) end = run;
    else if (run.status !== last) out({ run: run.id, status: status(run.status) });
    last = run.status;
  }
  if (end) out({ run: end.id, status: status(end.status), output: json(end.output), error: describeError(end.error) });
}

function describeRun(run: Run, steps: StepRecord[]) {
  return {
    id: run.id,
    function: `${run.appId}/${run.functionId}`,
    status: status(run.status),
    attempt: run.attempt,
    createdAt: time(run.createdAtMs),
    endedAt: time(run.endedAtMs),
    output: json(run.output),
    error: describeError(run.error),
    steps: steps.map((s) => ({
      id: s.userId,
      status: s.status === 1 ? "completed" : "failed",
      attempt: s.attempt,
      output: json(s.output),
      error: describeError(s.error),
    })),
  };
}

/** An error as stored: code, reason (errors Tenax causes), name, message, stack, its own properties and the cause chain. */
function describeError(e: ErrorInfo | undefined): Record<string, unknown> | undefined {
  if (!e) return undefined;
  return {
    code: (ErrorCode[e.code] ?? "USER").toLowerCase(),
    reason: reasonSlug(e.reason) || undefined,
    name: e.name,
    message: e.message,
    stack: e.stack || undefined,
    properties: e.propertiesJson.length ? json(e.propertiesJson) : undefined,
    cause: describeError(e.cause),
  };
}

/** `tenax runs cancel <run-id>` or `tenax runs cancel --function <id> [--after <ISO>] [--before <ISO>]`. */
export async function runsCancel(config: CliConfig, args: string[]): Promise<void> {
  const { flags, positional } = parseArgs(args);
  const client = runClient(config);
  if (positional[0]) {
    const { run, error } = await client.cancelRun({ runId: positional[0] });
    process.stdout.write(`${run!.id}  ${status(run!.status)}${error ? `  ${error.message}` : ""}\n`);
    return;
  }
  if (!flags.function)
    throw new ReasonError(ErrorReason.INVALID_ARGUMENT, "usage: tenax runs cancel <run-id> | --function <id> [--after <ISO time>] [--before <ISO time>]");
  const time = (name: string) => {
    if (!flags[name]) return 0n;
    const ms = Date.parse(flags[name]!);
    if (Number.isNaN(ms)) throw new ReasonError(ErrorReason.INVALID_ARGUMENT, `--${name} ${flags[name]}: not a date`);
    return BigInt(ms);
  };
  const { runIds } = await client.cancelRuns({ functionId: flags.function, startedAfterMs: time("after"), startedBeforeMs: time("before") });
  process.stdout.write(`${JSON.stringify({ cancelled: runIds })}\n`);
}
