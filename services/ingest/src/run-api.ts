import { invalidArgument, notFound } from "@tenax/common";
import { ErrorReason, reasonMessage, type CancelRunRequest, type CancelRunsRequest, type GetRunRequest, type ListRunsRequest } from "@tenax/proto";
import { isUuid, runCancel, runGet, runsCancelBulk, runsList, runSteps, type Database } from "@tenax/state";
import { isTerminal, runToProto, statusFromProto, stepToProto } from "./to-proto.js";

export async function getRun(database: Database, req: GetRunRequest) {
  const run = await requireRun(database, req.runId);
  const steps = await runSteps(database.sql, run.id);
  return { run: runToProto(run), steps: steps.map((s, i) => stepToProto(s, i)) };
}

export async function listRuns(database: Database, req: ListRunsRequest) {
  const pageSize = req.pageSize === 0 ? 50 : req.pageSize;
  if (pageSize < 0 || pageSize > 500) throw invalidArgument(ErrorReason.INVALID_PAGE_SIZE, `page_size: ${req.pageSize} is outside 1..500`);
  const before = req.pageToken ? decodeToken(req.pageToken) : undefined;
  const runs = await runsList(database.sql, {
    appId: req.appId || undefined,
    functionId: req.functionId || undefined,
    status: statusFromProto(req.status),
    eventId: req.eventId || undefined,
    limit: pageSize + 1,
    before,
  });
  const page = runs.slice(0, pageSize);
  const last = page[page.length - 1];
  const nextPageToken = runs.length > pageSize && last ? Buffer.from(`${last.createdAtUs}:${last.id}`).toString("base64url") : "";
  return { runs: page.map(runToProto), nextPageToken };
}

export async function cancelRun(database: Database, req: CancelRunRequest) {
  await requireRun(database, req.runId);
  const run = (await runCancel(database.sql, req.runId))!;
  if (run.status !== "cancelled" && isTerminal(run)) {
    return {
      run: runToProto(run),
      error: { reason: ErrorReason.RUN_FINISHED, message: reasonMessage(ErrorReason.RUN_FINISHED, `run ${run.id} already ended as ${run.status}`) },
    };
  }
  return { run: runToProto(run) };
}

export async function cancelRuns(database: Database, req: CancelRunsRequest) {
  if (!req.functionId) throw invalidArgument(ErrorReason.INVALID_FUNCTION_ID, "function_id: is required");
  const runIds = await runsCancelBulk(database.sql, {
    functionId: req.functionId,
    appId: req.appId || undefined,
    startedAfterMs: Number(req.startedAfterMs) || undefined,
    startedBeforeMs: Number(req.startedBeforeMs) || undefined,
  });
  return { runIds };
}

export async function requireRun(database: Database, runId: string) {
  if (!runId) throw invalidArgument(ErrorReason.INVALID_RUN_ID, "run_id: is required");
  if (!isUuid(runId)) throw invalidArgument(ErrorReason.INVALID_RUN_ID, `run_id: "${runId}" is not a UUID`);
  const run = await runGet(database.sql, runId);
  if (!run) throw notFound(ErrorReason.RUN_NOT_FOUND, `run ${runId} does not exist`);
  return run;
}

function decodeToken(token: string): { createdAtUs: string; id: string } {
  const [us, id] = Buffer.from(token, "base64url").toString().split(":");
  if (!us || !id || !/^\d+$/.test(us) || !isUuid(id)) throw invalidArgument(ErrorReason.INVALID_PAGE_TOKEN, "page_token: not a token from ListRuns");
  return { createdAtUs: us, id };
}
