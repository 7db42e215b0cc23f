import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { ErrorCode, RunStatus, reasonSlug, type ErrorInfo, type GetRunResponse, type Run, type RunService, type StepRecord } from "@tenax/proto";
import { oneOf, parseCommand, positiveInt, UsageError, type CommandHelp } from "../args.js";
import { runClient } from "../clients.js";
import type { CliConfig } from "../config.js";

const text = new TextDecoder();
const json = (b: Uint8Array) => (b.length ? JSON.parse(text.decode(b)) : null);
const status = (s: RunStatus) => (RunStatus[s] ?? "UNKNOWN").toLowerCase();
const time = (ms: bigint) => (ms > 0n ? new Date(Number(ms)).toISOString() : "");
const terminal = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED];

/** The statuses `--status` accepts, in lifecycle order. */
export const runStatuses = Object.entries(RunStatus)
  .filter(([, value]) => typeof value === "number" && value !== RunStatus.UNSPECIFIED)
  .map(([name]) => name.toLowerCase());

const idHelp = "<id> is a run id, or the id of the event that started the run (as `tenax send` prints it).";

export const runsHelp: CommandHelp = {
  name: "runs",
  usage: `usage: tenax runs <list | get | watch | cancel> [options]

  list                 runs, newest first
  get <id>             a run with its steps, outputs and errors
  watch <id>           every stored step and status change of a run, until it ends
  cancel <id>          cancel a run (or --function <id> for many)

${idHelp}
The run API is ingest's (TENAX_INGEST_URL, key TENAX_SIGNING_KEY).
Run \`tenax runs <command> --help\` for its options.
`,
};

export const runsListHelp: CommandHelp = {
  name: "runs list",
  usage: `usage: tenax runs list [--function <id>] [--app <id>] [--status <status>] [--event <id>] [--limit <n>] [--json]

Lists runs, newest first: id, status, app/function, creation time.

  --function <id>   only runs of this function
  --app <id>        only runs of this app
  --status <s>      only runs in this status: ${runStatuses.join(", ")}
  --event <id>      only the runs this event started
  --limit <n>       at most n runs (default 50)
  --json            a JSON array of runs (id, function, status, times, event ids, output, error)
  -h, --help        this help
`,
};

export const runsGetHelp: CommandHelp = {
  name: "runs get",
  usage: `usage: tenax runs get <id>

Prints a run as JSON: status, output or error (with its cause chain), and each step with its
output. ${idHelp}

  -h, --help        this help
`,
};

export const runsWatchHelp: CommandHelp = {
  name: "runs watch",
  usage: `usage: tenax runs watch <id> [--status-only]

Prints one JSON line per stored step and status change until the run ends; the last line is the
final status with the output or error. ${idHelp}

  --status-only     only status changes, no step lines
  -h, --help        this help
`,
};

export const runsCancelHelp: CommandHelp = {
  name: "runs cancel",
  usage: `usage: tenax runs cancel <id> [--json]
       tenax runs cancel --function <id> [--app <id>] [--after <time>] [--before <time>]

Cancels one run, or every unfinished run of a function created within a window (printing
{"cancelled":[run ids]}). ${idHelp}

  --function <id>   cancel the unfinished runs of this function
  --app <id>        only runs of this app
  --after <time>    only runs created at or after this time (ISO 8601, e.g. 2025-01-31T12:00:00Z)
  --before <time>   only runs created before this time
  --json            for one run: {"id","status","error"} instead of a line of text
  -h, --help        this help
`,
};

/** `tenax runs <subcommand> …` */
export async function runs(config: () => CliConfig, args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "list":
      return runsList(config, rest);
    case "get":
      return runsGet(config, rest);
    case "watch":
      return runsWatch(config, rest);
    case "cancel":
      return runsCancel(config, rest);
    case "-h":
    case "--help":
    case "help":
      process.stdout.write(runsHelp.usage);
      return;
    case undefined:
      throw new UsageError("tenax runs: which one? list, get, watch or cancel", runsHelp.usage);
    default:
      throw new UsageError(`tenax runs: unknown command ${JSON.stringify(sub)}; expected list, get, watch or cancel`, runsHelp.usage);
  }
}

export async function runsList(config: () => CliConfig, args: string[]): Promise<void> {
  const parsed = parseCommand(runsListHelp, args, {
    function: { type: "string" },
    app: { type: "string" },
    status: { type: "string" },
    event: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
  });
  if (!parsed) return;
  const { values } = parsed;
  const wanted = values.status === undefined ? undefined : oneOf(runsListHelp, "--status", values.status, runStatuses);
  const limit = values.limit === undefined ? 50 : positiveInt(runsListHelp, "--limit", values.limit);
  const client = runClient(config());
  const found: Run[] = [];
  let pageToken = "";
  do {
    const page = await client.listRuns({
      functionId: values.function ?? "",
      appId: values.app ?? "",
      status: wanted ? RunStatus[wanted.toUpperCase() as keyof typeof RunStatus] : RunStatus.UNSPECIFIED,
      eventId: values.event ?? "",
      pageSize: Math.min(500, limit - found.length),
      pageToken,
    });
    found.push(...page.runs);
    pageToken = page.nextPageToken;
  } while (pageToken && found.length < limit);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(found.map((r) => describeRun(r)))}\n`);
    return;
  }
  for (const r of found) process.stdout.write(`${r.id}  ${status(r.status).padEnd(9)}  ${r.appId}/${r.functionId}  ${time(r.createdAtMs)}\n`);
  if (found.length === 0) process.stdout.write("no runs\n");
}

export async function runsGet(config: () => CliConfig, args: string[]): Promise<void> {
  const parsed = parseCommand(runsGetHelp, args, {}, { min: 1, max: 1, names: ["<id>"] });
  if (!parsed) return;
  const client = runClient(config());
  const { run, steps } = await resolveRun(client, parsed.positionals[0]!);
  process.stdout.write(`${JSON.stringify(describeRun(run!, steps), null, 2)}\n`);
}

/** `tenax runs watch <id> [--status-only]`: one JSON line per stored step and status change, until the run ends. */
export async function runsWatch(config: () => CliConfig, args: string[]): Promise<void> {
  const parsed = parseCommand(runsWatchHelp, args, { "status-only": { type: "boolean" } }, { min: 1, max: 1, names: ["<id>"] });
  if (!parsed) return;
  const statusOnly = parsed.values["status-only"] ?? false;
  const client = runClient(config());
  const { run: found } = await resolveRun(client, parsed.positionals[0]!);
  const out = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);
  let last: RunStatus | undefined;
  let end: Run | undefined;
  for await (const msg of client.watchRun({ runId: found!.id, statusOnly })) {
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

/** `tenax runs cancel <id>` or `tenax runs cancel --function <id> [--app <id>] [--after <time>] [--before <time>]`. */
export async function runsCancel(config: () => CliConfig, args: string[]): Promise<void> {
  const parsed = parseCommand(
    runsCancelHelp,
    args,
    { function: { type: "string" }, app: { type: "string" }, after: { type: "string" }, before: { type: "string" }, json: { type: "boolean" } },
    { max: 1 },
  );
  if (!parsed) return;
  const { values, positionals } = parsed;
  const id = positionals[0];
  const bulk = values.function !== undefined || values.app !== undefined || values.after !== undefined || values.before !== undefined;
  if (id !== undefined && bulk) throw new UsageError("tenax runs cancel: give a run id, or --function with its filters, not both", runsCancelHelp.usage);
  if (id === undefined && values.function === undefined) throw new UsageError("tenax runs cancel: give a run id, or --function <id>", runsCancelHelp.usage);
  const when = (flag: "after" | "before") => {
    const value = values[flag];
    if (value === undefined) return 0n;
    const ms = Date.parse(value);
    if (Number.isNaN(ms))
      throw new UsageError(`tenax runs cancel: --${flag} ${JSON.stringify(value)} is not a date (ISO 8601, e.g. 2025-01-31T12:00:00Z)`, runsCancelHelp.usage);
    return BigInt(ms);
  };
  const startedAfterMs = when("after");
  const startedBeforeMs = when("before");
  const client = runClient(config());
  if (id !== undefined) {
    const { run: found } = await resolveRun(client, id);
    const { run, error } = await client.cancelRun({ runId: found!.id });
    if (values.json) process.stdout.write(`${JSON.stringify({ id: run!.id, status: status(run!.status), error: describeError(error) })}\n`);
    else process.stdout.write(`${run!.id}  ${status(run!.status)}${error ? `  ${error.message}` : ""}\n`);
    return;
  }
  const { runIds } = await client.cancelRuns({ functionId: values.function!, appId: values.app ?? "", startedAfterMs, startedBeforeMs });
  process.stdout.write(`${JSON.stringify({ cancelled: runIds })}\n`);
}

/**
 * The run `id` names: a run id, or the id of an event that started exactly one run (said on
 * stderr, so stdout stays the command's output). An event that started several runs is an
 * error that lists them.
 */
export async function resolveRun(client: Client<typeof RunService>, id: string): Promise<GetRunResponse> {
  try {
    return await client.getRun({ runId: id });
  } catch (err) {
    // Not a run id (not a UUID, or no such run): maybe an event id.
    const code = ConnectError.from(err).code;
    if (code !== Code.NotFound && code !== Code.InvalidArgument) throw err;
  }
  const { runs: started } = await client.listRuns({ eventId: id, pageSize: 100 });
  if (started.length === 0) {
    throw new Error(`no run has the id ${JSON.stringify(id)}, and no event with that id started a run (\`tenax runs list\` shows recent runs)`);
  }
  if (started.length > 1) {
    const list = started.map((r) => `  ${r.id}  ${status(r.status).padEnd(9)}  ${r.appId}/${r.functionId}`).join("\n");
    throw new Error(`event ${id} started ${started.length} runs; give one of their ids:\n${list}`);
  }
  const only = started[0]!;
  process.stderr.write(`event ${id} started run ${only.id} (${only.appId}/${only.functionId})\n`);
  return client.getRun({ runId: only.id });
}

function describeRun(run: Run, steps?: StepRecord[]) {
  return {
    id: run.id,
    function: `${run.appId}/${run.functionId}`,
    status: status(run.status),
    attempt: run.attempt,
    eventIds: run.eventIds,
    createdAt: time(run.createdAtMs),
    startedAt: time(run.startedAtMs) || undefined,
    endedAt: time(run.endedAtMs),
    output: json(run.output),
    error: describeError(run.error),
    steps: steps?.map((s) => ({
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
