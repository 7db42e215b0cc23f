// The driver's view of Tenax: both ingests, with failover. Any ingest may be down (killed by
// the driver) or answer UNAVAILABLE (Postgres restarting), so every call is tried again, on the
// other ingest first, with the same arguments (events keep their ids, so a resend is
// deduplicated). Every loop is bounded in attempts and in time.
import { setTimeout as delay } from "node:timers/promises";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { JsonObject } from "@bufbuild/protobuf";
import { IngestService, RunService, RunStatus, type Run } from "@tenax/proto";

export const terminal = new Set([RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED]);

interface Ingest {
  ingest: Client<typeof IngestService>;
  runs: Client<typeof RunService>;
}

/** An event as the driver sends it: always with its own id, so that resends are deduplicated. */
export interface EventInit {
  id: string;
  name: string;
  data: JsonObject;
}

export interface Retry {
  /** Give up at this time (Date.now() ms). */
  until: number;
  maxAttempts?: number;
}

export interface Ingests {
  /** Calls fn on one ingest, then on the other, until it succeeds; throws the last error when out of attempts or time. */
  call<T>(fn: (i: Ingest) => Promise<T>, retry: Retry): Promise<T>;
  /** Sends events (each with its id); the effective ids. */
  send(events: EventInit[], retry: Retry): Promise<string[]>;
  /** Watches one run (status only) until `done(run)`; the run then, or null out of time. */
  watchUntil(runId: string, done: (r: Run) => boolean, retry: Retry): Promise<Run | null>;
  /** Watches many runs (WatchRuns, 10,000 per stream) until every one has ended or time is out; the last state of each. */
  watchEnded(runIds: string[], until: number, onEnd?: (r: Run) => void): Promise<Map<string, Run>>;
}

/** Errors no retry can fix: a bug in the driver, not a fault. */
const final = new Set([Code.InvalidArgument, Code.NotFound, Code.Unauthenticated, Code.PermissionDenied, Code.Unimplemented]);

export function createIngests(urls: string[]): Ingests {
  const ingests: Ingest[] = urls.map((baseUrl) => {
    const transport = createGrpcTransport({ baseUrl, acceptCompression: [], readMaxBytes: 64 << 20, writeMaxBytes: 64 << 20 });
    return { ingest: createClient(IngestService, transport), runs: createClient(RunService, transport) };
  });
  let next = 0;

  const call = async <T>(fn: (i: Ingest) => Promise<T>, { until, maxAttempts = 200 }: Retry): Promise<T> => {
    let wait = 100;
    for (let attempt = 1; ; attempt++) {
      const target = ingests[next++ % ingests.length]!;
      try {
        return await fn(target);
      } catch (err) {
        const code = ConnectError.from(err).code;
        if (final.has(code) || attempt >= maxAttempts || Date.now() + wait > until) throw err;
        // A backoff between tries, not a wait for an event: the other ingest is tried right away.
        if (attempt % ingests.length === 0) await delay(wait);
        wait = Math.min(1000, wait * 1.5);
      }
    }
  };

  return {
    call,
    async send(events, retry) {
      const { ids } = await call((i) => i.ingest.sendEvents({ events }, { timeoutMs: 15_000 }), retry);
      return [...ids];
    },
    async watchUntil(runId, done, retry) {
      return call(async (i) => {
        const signal = AbortSignal.timeout(Math.max(1, retry.until - Date.now()));
        for await (const msg of i.runs.watchRun({ runId, statusOnly: true }, { signal })) {
          if (msg.run && (done(msg.run) || terminal.has(msg.run.status))) return msg.run;
        }
        throw new ConnectError("watch ended before the run did", Code.Unavailable);
      }, retry).catch((err) => {
        if (Date.now() >= retry.until) return null;
        throw err;
      });
    },
    async watchEnded(runIds, until, onEnd) {
      const last = new Map<string, Run>();
      const open = new Set(runIds);
      for (let round = 0; open.size > 0 && Date.now() < until && round < 500; round++) {
        const batch = [...open].slice(0, 10_000);
        try {
          await call(
            async (i) => {
              const signal = AbortSignal.timeout(Math.max(1, until - Date.now()));
              for await (const { run } of i.runs.watchRuns({ runIds: batch }, { signal })) {
                if (!run) continue;
                last.set(run.id, run);
                if (terminal.has(run.status) && open.delete(run.id)) onEnd?.(run);
              }
            },
            { until, maxAttempts: 1 },
          );
        } catch {
          // The stream broke (an ingest killed) or the time is out: reopen for what is still open.
          if (Date.now() < until) await delay(200);
        }
      }
      return last;
    },
  };
}
