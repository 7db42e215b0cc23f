// Lint: the package boundaries and the habits the codebase relies on, enforced (`npm run lint`,
// part of `npm run verify`; warnings fail). Formatting is prettier's (`npm run format:check`).
import tseslint from "typescript-eslint";

const services = ["ingest", "scheduler", "executor", "cli"];
const serviceImport = (name) => ({ name: `@tenax/${name}`, message: `@tenax/${name} is a service: share code through @tenax/engine, @tenax/state or @tenax/common` });
const database = ["postgres", "drizzle-orm", "drizzle-kit"].map((name) => ({ name, message: "only @tenax/state talks to Postgres (it owns the schema and every query)" }));
const databasePatterns = [{ group: ["drizzle-orm/*"], message: "only @tenax/state talks to Postgres" }];
const rpc = [{ group: ["@connectrpc/*", "@grpc/*"], message: "the replay engine does no I/O: gRPC and connect stay in sdk-ts/src/{worker,client,rpc}" }];
const serverPackages = ["common", "state", "engine", ...services].map((name) => ({ name: `@tenax/${name}`, message: "the SDK must not depend on a private server package" }));

/** One `no-restricted-imports` setting per area (a later setting replaces an earlier one). */
const restrict = (files, paths, patterns = []) => ({ files, rules: { "no-restricted-imports": ["error", { paths, patterns }] } });

export default tseslint.config(
  // dist/: built packages (npm run build:packages); build/fixtures: user projects, checked by their own strict tsc (npm run test:packages).
  { ignores: ["**/node_modules/**", "proto/gen/**", ".test-data/**", "dist/**", "build/fixtures/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: { allowDefaultProject: ["vitest.config.ts", "services/state/drizzle.config.ts"] }, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@typescript-eslint": tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A promise nobody awaits loses its error; mark intended fire-and-forget with `void`.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-restricted-imports": ["error", { paths: [...database, ...services.map(serviceImport)], patterns: databasePatterns }],
    },
  },
  // Services compose nothing but the shared packages; the CLI composes the services.
  ...["ingest", "scheduler", "executor"].map((svc) =>
    restrict([`services/${svc}/src/**/*.ts`], [...database, ...services.filter((s) => s !== svc).map(serviceImport)], databasePatterns),
  ),
  restrict(["services/cli/src/**/*.ts"], database, databasePatterns),
  restrict(["services/state/**/*.ts"], [...["common", "engine", ...services].map((n) => ({ name: `@tenax/${n}`, message: "@tenax/state depends on the contract only" }))]),
  restrict(["services/common/src/**/*.ts"], [...database, ...["engine", ...services].map((n) => ({ name: `@tenax/${n}`, message: "@tenax/common is infrastructure: it imports no domain package and no service" }))], databasePatterns),
  restrict(["sdk-ts/src/**/*.ts"], [...database, ...serverPackages], databasePatterns),
  restrict(["sdk-ts/src/steps/**/*.ts", "sdk-ts/src/execution/**/*.ts", "sdk-ts/src/function/**/*.ts"], [...database, ...serverPackages], [...databasePatterns, ...rpc]),
  // @tenax/match is shared by the engine and the SDK (the testing kit decides as the services do), so
  // the SDK may import it; it stays pure: no server package, no database, no RPC.
  restrict(["lib/match/src/**/*.ts"], [...database, ...serverPackages.map((p) => ({ ...p, message: "@tenax/match is pure and shared with the SDK: it imports no server package" }))], [...databasePatterns, ...rpc]),
  // The benchmark's floor measures Postgres itself, with a bare client.
  restrict(["bench/**/*.ts"], services.map(serviceImport)),
);
