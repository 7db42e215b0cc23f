import { describe, expect, it } from "vitest";
import { envDatabaseUrl, envDuration } from "./env.js";

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

describe("envDuration", () => {
  it("takes milliseconds or a number with a unit, and names the setting it refuses", () => {
    expect(envDuration({}, "TENAX_RETENTION", 5)).toBe(5);
    expect(envDuration({ TENAX_RETENTION: "1500" }, "TENAX_RETENTION", 5)).toBe(1500);
    expect(envDuration({ TENAX_RETENTION: "7d" }, "TENAX_RETENTION", 5)).toBe(7 * 86_400_000);
    expect(envDuration({ TENAX_RETENTION: "1.5h" }, "TENAX_RETENTION", 5)).toBe(5_400_000);
    expect(envDuration({ TENAX_RETENTION: "90s" }, "TENAX_RETENTION", 5)).toBe(90_000);
    expect(() => envDuration({ TENAX_RETENTION: "a week" }, "TENAX_RETENTION", 5)).toThrow(/TENAX_RETENTION=a week is not a duration/);
  });
});
