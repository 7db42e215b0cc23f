import { describe, expect, it } from "vitest";
import { parseDatabaseUrl, redactDatabaseUrl } from "./database-url.js";

describe("parseDatabaseUrl", () => {
  it("reads host, port, database and user", () => {
    expect(parseDatabaseUrl("postgres://app:secret@db.internal:6432/shop")).toEqual({
      host: "db.internal",
      port: 6432,
      database: "shop",
      user: "app",
      redacted: "postgres://app:***@db.internal:6432/shop",
    });
    expect(parseDatabaseUrl("postgresql://127.0.0.1/postgres")).toMatchObject({ host: "127.0.0.1", port: 5432, database: "postgres", user: "postgres" });
    expect(parseDatabaseUrl("postgres:///shop?host=/var/run/postgresql")).toMatchObject({ host: "/var/run/postgresql", database: "shop" });
  });

  it.each([
    ["mysql://root:pw@127.0.0.1:3306/shop", /has the scheme "mysql"; Tenax needs PostgreSQL/],
    ["127.0.0.1:5432/shop", /is not a URL/],
    ["localhost:5432/shop", /has the scheme "localhost"/],
    ["not a url", /is not a URL; expected postgres:\/\//],
    ["postgres://user:pw@/shop", /is not a URL/],
    ["postgres:///shop", /names no host/],
    ["postgres://user:pw@db:5432", /names no database/],
    ["postgres://user:pw@db:5432/", /names no database/],
  ])("refuses %s", (url, problem) => {
    const parsed = parseDatabaseUrl(url);
    expect(parsed).toHaveProperty("problem");
    expect((parsed as { problem: string }).problem).toMatch(problem);
    expect((parsed as { problem: string }).problem).not.toContain("pw@");
  });

  it("never shows the password", () => {
    expect(redactDatabaseUrl("postgres://u:hunter2@h/d")).toBe("postgres://u:***@h/d");
    expect(redactDatabaseUrl("postgres://u@h/d")).toBe("postgres://u@h/d");
    expect(redactDatabaseUrl("::")).toBe("(not a URL)");
  });
});
