// After the faults: wait until every run has ended. Runs are listed by function (the invoked
// children appear as their parents get to them), the open ones watched on one WatchRuns stream
// until they end, and the listing repeated until it shows no open run, within a deadline.
import type { Run } from "@tenax/proto";
import { terminal, type Ingests } from "./clients.js";
import { childFunction, flowFunctions } from "./plan.js";

export const chaosFunctionIds = [...flowFunctions.map((f) => f.id), childFunction.id];

/** Every run of the chaos functions (ListRuns pages of 500, bounded). */
export async function listAllRuns(ingests: Ingests, until: number): Promise<Run[]> {
  const all: Run[] = [];
  for (const functionId of chaosFunctionIds) {
    let pageToken = "";
    for (let page = 0; page < 1000; page++) {
      const res = await ingests.call((i) => i.runs.listRuns({ functionId, pageSize: 500, pageToken }), { until });
      all.push(...res.runs);
      pageToken = res.nextPageToken;
      if (!pageToken) break;
    }
  }
  return all;
}

export interface Settled {
  runs: Run[];
  /** Runs still open at the deadline. */
  open: Run[];
  ms: number;
}

export async function settleRuns(ingests: Ingests, until: number, log: (msg: string) => void): Promise<Settled> {
  const t0 = Date.now();
  let runs: Run[] = [];
  for (let round = 0; round < 50; round++) {
    runs = await listAllRuns(ingests, until);
    const open = runs.filter((r) => !terminal.has(r.status));
    if (open.length === 0 || Date.now() >= until) return { runs, open, ms: Date.now() - t0 };
    log(`settling: ${open.length} of ${runs.length} runs still open`);
    await ingests.watchEnded(
      open.map((r) => r.id),
      until,
    );
  }
  return { runs, open: runs.filter((r) => !terminal.has(r.status)), ms: Date.now() - t0 };
}
