import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["sdk-ts/src/**/*.test.ts", "services/*/src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    // Each integration file runs its own stack of processes: two files at a time on 2 cores.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
