import postgres from "postgres";
import { migrateDatabase } from "./migrate.js";

export interface TestDatabases {
  /** Creates a fresh database cloned from the migrated template; returns its URL. */
  clone(name: string): Promise<string>;
}

/**
 * A migrated template database, cloned per test file: cloning takes milliseconds, migrating
 * every time would not. `adminUrl` points at any database of the server (e.g. /postgres).
 */
export async function createTestDatabases(adminUrl: string, template = "tenax_template"): Promise<TestDatabases> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${template}`;
    if (!exists) {
      await admin.unsafe(`create database ${template}`);
      await migrateDatabase(withDatabase(adminUrl, template));
    }
  } finally {
    await admin.end();
  }
  return {
    async clone(name: string) {
      const db = `t_${name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${Date.now() % 1e6}`.slice(0, 60);
      const conn = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await conn.unsafe(`create database ${db} template ${template}`);
      } finally {
        await conn.end();
      }
      return withDatabase(adminUrl, db);
    },
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
