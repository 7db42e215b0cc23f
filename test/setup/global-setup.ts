import { rmSync } from "node:fs";
import type { TestProject } from "vitest/node";
import { freePort } from "./ports.js";
import { createTestDatabases, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@tenax/state";

let pg: EmbeddedPostgresHandle | undefined;

/**
 * One Postgres for the whole run (embedded PostgreSQL 15, or TENAX_TEST_DATABASE_URL) with a
 * migrated template database (rebuilt when the migrations changed); each test file clones it, and
 * the clones are dropped at the end.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.TENAX_TEST_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = `${process.cwd()}/.test-data/pg-${process.pid}`;
    rmSync(dataDir, { recursive: true, force: true });
    pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), fast: true });
    adminUrl = pg.url;
  }
  const databases = await createTestDatabases(adminUrl);
  project.provide("adminUrl", adminUrl);
  return async () => {
    // Every file's clone (on a server of TENAX_TEST_DATABASE_URL they would pile up run after run).
    await databases.dropClones();
    await pg?.stop();
    if (pg) rmSync(`${process.cwd()}/.test-data/pg-${process.pid}`, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
  }
}
