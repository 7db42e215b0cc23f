import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createTestDatabases, migrationsHash, withDatabase } from "./testing.js";

// Templates of this file only: the run's own template and clones are left alone.
const template = `tenax_template_check_${process.pid}`;
const adminUrl = inject("adminUrl");
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
afterAll(async () => {
  await admin.unsafe(`drop database if exists ${template} with (force)`);
  await admin.end();
});

const templateRow = async () => {
  const [row] = await admin`select oid::int as oid, shobj_description(oid, 'pg_database') as mark from pg_database where datname = ${template}`;
  return row as { oid: number; mark: string | null } | undefined;
};
const exists = async (url: string) => {
  const [row] = await admin`select 1 from pg_database where datname = ${new URL(url).pathname.slice(1)}`;
  return !!row;
};
async function inDatabase<T>(url: string, use: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await use(sql);
  } finally {
    await sql.end();
  }
}

describe("createTestDatabases", () => {
  it("rebuilds a template migrated from other migrations, and reuses a current one", async () => {
    await createTestDatabases(adminUrl, template);
    const built = await templateRow();
    expect(built?.mark).toBe(`tenax migrations sha256:${migrationsHash()}`);
    await createTestDatabases(adminUrl, template);
    expect((await templateRow())?.oid).toBe(built?.oid);

    // A template left by older migrations: another hash, and a table they did not have yet.
    await inDatabase(withDatabase(adminUrl, template), (sql) => sql`drop table runs cascade`);
    await admin.unsafe(`comment on database ${template} is 'tenax migrations sha256:older'`);
    const dbs = await createTestDatabases(adminUrl, template);
    const rebuilt = await templateRow();
    expect(rebuilt?.oid).not.toBe(built?.oid);
    expect(rebuilt?.mark).toBe(built?.mark);
    const clone = await dbs.clone("rebuilt");
    expect(await inDatabase(clone, async (sql) => (await sql`select to_regclass('public.runs') as t`)[0]!.t)).toBe("runs");
    await dbs.dropClones();
  });

  it("drops the databases cloned from its template, and only those", async () => {
    const dbs = await createTestDatabases(adminUrl, template);
    const clones = [await dbs.clone("first"), await dbs.clone("second")];
    // A clone of the run's own template (the global teardown drops it).
    const other = await (await createTestDatabases(adminUrl)).clone("other_template");
    // Held open, like a service process the test killed without closing its pool.
    const held = postgres(clones[0]!, { max: 1 });
    await held`select 1`;
    for (const url of clones) expect(await exists(url)).toBe(true);
    expect(await dbs.dropClones()).toBe(2);
    for (const url of clones) expect(await exists(url)).toBe(false);
    await held.end().catch(() => {});
    expect(await templateRow()).toBeDefined();
    expect(await exists(other)).toBe(true);
    expect(await dbs.dropClones()).toBe(0);
  });
});
