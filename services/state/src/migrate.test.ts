import { createServer } from "node:net";
import { ErrorReason } from "@tenax/proto";
import { describe, expect, it } from "vitest";
import { migrateDatabase } from "./migrate.js";

/** A port nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("migrateDatabase without a database", () => {
  it("refuses a URL that is not PostgreSQL's before trying it", async () => {
    await expect(migrateDatabase("mysql://root:pw@127.0.0.1:3306/shop")).rejects.toMatchObject({
      reason: ErrorReason.INVALID_SETTING,
      message: expect.stringMatching(/^\[invalid_setting\] DATABASE_URL \(mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\/shop\) has the scheme "mysql"/),
    });
  });

  it("gives up on an unreachable database, saying where and how long it tried", async () => {
    const port = await closedPort();
    const url = `postgres://postgres:secret@127.0.0.1:${port}/postgres`;
    await expect(migrateDatabase(url)).rejects.toMatchObject({
      reason: ErrorReason.DATABASE_UNAVAILABLE,
      message: expect.stringMatching(
        new RegExp(
          `^\\[database_unavailable\\] DATABASE_URL \\(postgres://postgres:\\*\\*\\*@127.0.0.1:${port}/postgres\\): no PostgreSQL answered at 127.0.0.1:${port}, tried once; last error: .*ECONNREFUSED`,
        ),
      ),
    });
    const retries: number[] = [];
    const err = await migrateDatabase(url, { waitMs: 500, onRetry: (_err, waited) => retries.push(waited) }).then(
      () => new Error("migrated"),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/tried \d+ times over \d+ ms; last error: .*ECONNREFUSED.*Start PostgreSQL there, or point DATABASE_URL at a running one/);
    expect(retries.length).toBeGreaterThan(0);
  });
});
