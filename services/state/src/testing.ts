import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { migrateDatabase, migrationsFolder } from "./migrate.js";

export interface TestDatabases {
  /** Creates a fresh database cloned from the migrated template; returns its URL. */
  clone(name: string): Promise<string>;
  /**
   * Drops every database cloned from the template during this test run, by any process of it
   * (the run is `TENAX_TEST_RUN`, see createTestDatabases). Returns how many it dropped.
   */
  dropClones(): Promise<number>;
}

// Serializes the template's check, rebuild and cloning across processes (test files, runs).
const TEMPLATE_LOCK = 74686562;

/**
 * A migrated template database, cloned per test file: cloning takes milliseconds, migrating
 * every time would not. `adminUrl` points at any database of the server (e.g. /postgres).
 *
 * The template records the hash of the migrations it was built from (as its database comment)
 * and is rebuilt when the migrations differ, so a server that outlives a change of the schema
 * (TENAX_TEST_DATABASE_URL) never hands out stale clones. Clones are marked with the test run
 * (`TENAX_TEST_RUN`, set here when unset, so that the test processes the global setup starts
 * inherit it) for dropClones().
 */
export async function createTestDatabases(adminUrl: string, template = "tenax_template"): Promise<TestDatabases> {
  const schema = `tenax migrations sha256:${migrationsHash()}`;
  const run = (process.env.TENAX_TEST_RUN ??= randomUUID());
  const cloneMark = `tenax test clone of ${template}, run ${run}`;
  await withAdmin(adminUrl, async (admin) => {
    const [row] = await admin<{ mark: string | null }[]>`
      select shobj_description(oid, 'pg_database') as mark from pg_database where datname = ${template}`;
    if (row?.mark === schema) return;
    if (row) await admin.unsafe(`drop database ${ident(template)} with (force)`);
    await admin.unsafe(`create database ${ident(template)}`);
    await migrateDatabase(withDatabase(adminUrl, template));
    // Last: a template whose migration failed has no mark and is rebuilt next time.
    await admin.unsafe(`comment on database ${ident(template)} is ${literal(schema)}`);
  });
  return {
    async clone(name: string) {
      const db = `t_${name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${Date.now() % 1e6}`.slice(0, 60);
      await withAdmin(adminUrl, async (admin) => {
        await admin.unsafe(`create database ${ident(db)} template ${ident(template)}`);
        await admin.unsafe(`comment on database ${ident(db)} is ${literal(cloneMark)}`);
      });
      return withDatabase(adminUrl, db);
    },
    async dropClones() {
      return withAdmin(adminUrl, async (admin) => {
        const clones = await admin<{ datname: string }[]>`
          select datname from pg_database where shobj_description(oid, 'pg_database') = ${cloneMark}`;
        // Forced: a service process killed by the test may still hold a connection.
        for (const { datname } of clones) await admin.unsafe(`drop database if exists ${ident(datname)} with (force)`);
        return clones.length;
      });
    },
  };
}

/** The hash of every file of the migrations folder (SQL and journal), by path and content. */
export function migrationsHash(folder = migrationsFolder): string {
  const hash = createHash("sha256");
  const files = readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files)
    hash
      .update(`${file.slice(folder.length)}\0`)
      .update(readFileSync(file))
      .update("\0");
  return hash.digest("hex");
}

async function withAdmin<T>(adminUrl: string, use: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(${TEMPLATE_LOCK})`;
    return await use(admin);
  } finally {
    // Ending the session releases the lock.
    await admin.end();
  }
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
