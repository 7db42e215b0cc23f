// The fault injector: three independent loops, each at random intervals, until stopped.
// - kill: SIGKILL one process (services and workers in shuffled rounds, so each is hit), which
//   the cluster restarts;
// - postgres: a restart of the server (every connection of every service drops);
// - cut: arms the proxy to cut the next COMMIT, or the next autocommit write (rotating through
//   step saves, run ends, sleeps and retries), after its reply and before the service reads it.
// Counts are of faults that actually hit: a kill of a process already gone, or a cut that timed
// out armed, does not count.
import { setTimeout as delay } from "node:timers/promises";
import type { Cluster, MemberKind } from "./cluster.js";
import type { CutProxy } from "./pg-cut-proxy.js";
import type { ChaosPostgres } from "./postgres.js";
import { createDeck, type Rng } from "./rng.js";

export interface FaultTimings {
  killMs: [number, number];
  postgresMs: [number, number];
  /** How long Postgres stays down on a restart. */
  postgresDownMs: [number, number];
  cutMs: [number, number];
}

export interface FaultCounts {
  kills: Record<MemberKind, number>;
  killsByProcess: Record<string, number>;
  postgresRestarts: number;
  cuts: { commit: number; write: number };
  cutsByLabel: Record<string, number>;
  cutsByService: Record<string, number>;
}

export interface Faults {
  counts: FaultCounts;
  /** Loops that failed (e.g. Postgres did not come back): the run is not valid. */
  errors: string[];
  /** Stops every loop; resolves once the fault in progress (a restart) is over. */
  stop(): Promise<void>;
}

/** Cut labels tried in turn for the write cut (see pg-wire.ts writeLabel). */
const writeLabels = ["step save", "run end", "sleep", "retry"];

export interface FaultOptions {
  cluster: Cluster;
  postgres: ChaosPostgres;
  proxy: CutProxy;
  /** False: no cut faults (the services do not go through the proxy). */
  cuts: boolean;
  rng: Rng;
  timings: FaultTimings;
  log: (msg: string) => void;
}

export function startFaults(o: FaultOptions): Faults {
  const stop = new AbortController();
  const signal = stop.signal;
  const counts: FaultCounts = {
    kills: { ingest: 0, scheduler: 0, executor: 0, worker: 0 },
    killsByProcess: {},
    postgresRestarts: 0,
    cuts: { commit: 0, write: 0 },
    cutsByLabel: {},
    cutsByService: {},
  };
  const between = async ([min, max]: [number, number]) => {
    await delay(o.rng.int(min, max), undefined, { signal }).catch(() => undefined);
    return !signal.aborted;
  };
  const bump = (rec: Record<string, number>, key: string) => (rec[key] = (rec[key] ?? 0) + 1);

  const killLoop = async () => {
    const next = createDeck(o.rng, o.cluster.members);
    while (await between(o.timings.killMs)) {
      const member = next();
      if (member.proc.child.exitCode !== null || member.proc.child.signalCode !== null) continue;
      await o.cluster.kill(member);
      counts.kills[member.kind]++;
      bump(counts.killsByProcess, member.name);
    }
  };

  const postgresLoop = async () => {
    while (await between(o.timings.postgresMs)) {
      const down = o.rng.int(...o.timings.postgresDownMs);
      o.log(`restarting postgres (down ${down} ms)`);
      await o.postgres.restart(down);
      counts.postgresRestarts++;
    }
  };

  const cutLoop = async (kind: "commit" | "write") => {
    for (let i = 0; await between(o.timings.cutMs); i++) {
      const label = kind === "write" ? writeLabels[i % writeLabels.length] : undefined;
      const hit = await o.proxy.arm(kind, { label, timeoutMs: 10_000, signal });
      if (!hit) continue;
      counts.cuts[kind]++;
      bump(counts.cutsByLabel, hit.label);
      bump(counts.cutsByService, hit.via);
    }
  };

  const errors: string[] = [];
  const loops = [killLoop(), postgresLoop(), ...(o.cuts ? [cutLoop("commit"), cutLoop("write")] : [])].map((p) =>
    p.catch((err) => {
      errors.push(String(err));
      o.log(`a fault loop failed: ${String(err)}`);
    }),
  );
  return {
    counts,
    errors,
    async stop() {
      stop.abort();
      o.proxy.disarm();
      await Promise.all(loops);
    },
  };
}
