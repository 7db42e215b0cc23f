import { describe, expect, it } from "vitest";
import { envDatabaseUrl } from "./env.js";

describe("envDatabaseUrl", () => {
  it("takes a PostgreSQL URL, or the default when unset", () => {
    expect(envDatabaseUrl({ DATABASE_URL: "postgresql://u:p@db:5432/app" })).toBe("postgresql://u:p@db:5432/app");
    expect(envDatabaseUrl({})).toBe("postgres://postgres:postgres@127.0.0.1:5432/postgres");
  });

  it("refuses anything else, naming DATABASE_URL and hiding the password", () => {
    expect(() => envDatabaseUrl({ DATABASE_URL: "mysql://root:secret@127.0.0.1:3306/shop" })).toThrow(
      '[invalid_setting] DATABASE_URL (mysql://root:***@127.0.0.1:3306/shop) has the scheme "mysql"; Tenax needs PostgreSQL',
    );
    expect(() => envDatabaseUrl({ DATABASE_URL: "postgres://u:secret@db:5432" })).toThrow(/DATABASE_URL .* names no database/);
    expect(() => envDatabaseUrl({ DATABASE_URL: "db:5432/app" })).toThrow(/DATABASE_URL .*has the scheme "db"/);
  });
});
