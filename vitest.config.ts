import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

// Service tests that use the database: those that take its URL from the global setup,
// `inject("adminUrl")`. Found here rather than listed, so a new one cannot land among the
// unit tests (where it would fail: the unit project has no global setup).
const serviceDatabaseTests = readdirSync(`${root}/services`, { recursive: true, encoding: "utf8" })
  .filter((file) => /^[^/]+\/src\/.+\.test\.ts$/.test(file))
  .filter((file) => readFileSync(`${root}/services/${file}`, "utf8").includes('inject("adminUrl")'))
  .map((file) => `services/${file}`);

// Integration tests need what the global setup provides: Postgres, and for most of them the
// service processes of a stack (test/). Every other test is a unit test: no database, no
// processes, so `npm run test:unit` (`vitest run --project unit`) takes seconds.
const integration = ["test/**/*.test.ts", ...serviceDatabaseTests];

export default defineConfig({
  test: {
    // Each integration file runs its own stack of processes: two files at a time on 2 cores.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `vitest run` (npm test) runs both projects.
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["sdk-ts/src/**/*.test.ts", "services/*/src/**/*.test.ts", "lib/*/src/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...integration],
          // Each file gets fresh modules (vitest's default): sharing them ran 4x faster, but a
          // file that left fake timers or spies behind would break the next one.
          isolate: true,
          testTimeout: 10_000,
          hookTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: integration,
          // One Postgres for the run, with the migrated template each file clones.
          globalSetup: ["test/setup/global-setup.ts"],
        },
      },
    ],
  },
});
