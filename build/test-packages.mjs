// `npm run test:packages` (after `npm run build:packages`): the two tarballs as a user gets them.
//
// In fresh projects under os.tmpdir(), outside the repository (no workspace, no symlink), plain
// `npm install` of the tarballs, then:
//   - `publint --strict` on both tarballs, and neither installs a private @tenax/* package;
//   - the installed `npx tenax dev` (embedded PostgreSQL in the project, free ports);
//   - README's "In your own project" program (functions, worker, sender: ESM JavaScript, taken from
//     README.md word for word) with plain node, `npx tenax runs list --event`, plus require() from
//     CommonJS;
//   - the testing kit (`tenax-sdk/testing`) from the TypeScript project;
//   - a TypeScript worker and sender (build/fixtures/ts) checked by a strict tsc with skipLibCheck
//     off, run with plain node from tsc's output;
// each sender awaits its run's output, which is checked. Every process started here is stopped
// and the temporary folder removed, on success, failure, timeout or Ctrl-C.
import { spawn } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOTAL_TIMEOUT_MS = 240_000;
const started = Date.now();
const log = (msg) => process.stdout.write(`[test:packages +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

const manifestFile = join(root, "dist/packages/manifest.json");
if (!existsSync(manifestFile)) {
  process.stderr.write("dist/packages/manifest.json is missing: run `npm run build:packages` first\n");
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
const sdkTarball = join(root, manifest.sdk);
const cliTarball = join(root, manifest.cli);
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// The embedded Postgres runs as the `postgres` user when we are root: every folder above its data
// directory must be readable by it (mkdtemp makes 0700 folders).
const tmp = mkdtempSync(join(tmpdir(), "tenax-packages-"));
chmodSync(tmp, 0o755);
const dataDir = join(tmp, "js/.tenax");

/** Every process started here; each leads its own process group (detached), which is what we stop. */
const procs = [];

function start(name, command, args, { cwd, env = {} }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const proc = { name, child, output: "", exited: null };
  proc.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  child.once("error", (err) => (proc.output += `spawn error: ${err.message}\n`));
  const append = (chunk) => (proc.output += chunk.toString());
  child.stdout.on("data", append);
  child.stderr.on("data", append);
  procs.push(proc);
  return proc;
}

const tail = (proc) => proc.output.trim().split("\n").slice(-40).join("\n");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a process of the group is still running (zombies waiting for a reaper do not count). */
function groupAlive(pgid) {
  if (process.platform !== "linux") {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return readdirSync("/proc").some((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(pgrp) === pgid && state !== "Z";
    } catch {
      return false; // exited meanwhile
    }
  });
}

function signalGroup(proc, signal) {
  try {
    process.kill(-proc.child.pid, signal);
  } catch {
    // the group is gone
  }
}

/**
 * Sends `signal` to the process's whole group (like Ctrl-C in a terminal) and waits until every
 * process of it has exited, sending SIGKILL after graceMs. Resolves with the leader's exit.
 */
async function stopGroup(proc, signal, graceMs) {
  signalGroup(proc, signal);
  const deadline = Date.now() + graceMs;
  while (groupAlive(proc.child.pid)) {
    if (Date.now() > deadline) {
      log(`${proc.name}: still running ${graceMs} ms after ${signal}: SIGKILL`);
      signalGroup(proc, "SIGKILL");
      break;
    }
    await sleep(100);
  }
  return proc.exited;
}

/** Runs a command to the end; rejects (with its output) on a non-zero exit or after timeoutMs. */
async function run(name, command, args, { cwd, env, timeoutMs }) {
  const proc = start(name, command, args, { cwd, env });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    signalGroup(proc, "SIGKILL");
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  signalGroup(proc, "SIGKILL"); // anything it left behind
  if (code !== 0) throw new Error(`${name} ${timedOut ? `timed out after ${timeoutMs} ms` : `exited ${code}`}:\n${tail(proc)}`);
  return proc.output;
}

/** Resolves when the process prints a line containing `text`; rejects when it exits or times out. */
function waitForLine(proc, text, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${proc.name}: no "${text}" after ${timeoutMs} ms:\n${tail(proc)}`)), timeoutMs);
    const check = () => proc.output.includes(text) && done();
    const done = (err) => {
      clearTimeout(timer);
      proc.child.stdout.off("data", check);
      if (err) reject(err);
      else resolve();
    };
    proc.child.stdout.on("data", check);
    void proc.exited.then((code) => done(new Error(`${proc.name} exited ${code} before printing "${text}":\n${tail(proc)}`)));
    check();
  });
}

/** The embedded Postgres of `tenax dev`, by the pid in its postmaster.pid, if still running. */
async function stopPostgres() {
  const pidFile = join(dataDir, "pg/postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGQUIT"); // immediate shutdown: the postmaster stops its backends
  } catch {
    return; // not running: a stale pid file
  }
  log(`the embedded Postgres (pid ${pid}) was left running: stopped it`);
  for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await sleep(100);
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
}

let cleanedUp = false;
async function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  await Promise.all(procs.map((proc) => stopGroup(proc, "SIGKILL", 5_000)));
  await stopPostgres();
  rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().then(() => process.exit(1));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const npm = (name, args, cwd, timeoutMs = 150_000) => run(name, "npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, timeoutMs });

/**
 * The program of README's "In your own project", word for word: every ```js block whose first
 * line is `// <file>.mjs…` becomes that file.
 */
function readmeProgram() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## In your own project"), readme.indexOf("## Architecture"));
  const files = Object.fromEntries(
    [...section.matchAll(/```js\n(\/\/ ([\w-]+\.mjs)[^\n]*\n[\s\S]*?)```/g)].map((m) => [m[2], m[1]]),
  );
  for (const name of ["functions.mjs", "worker.mjs", "sender.mjs"])
    if (!files[name]) throw new Error(`README.md, "In your own project": no \`// ${name}\` code block`);
  return files;
}

/** A fresh project with the fixture files, `npm init -y`, type module. */
async function project(name, extraFiles = {}) {
  const dir = join(tmp, name);
  cpSync(join(root, "build/fixtures", name), dir, { recursive: true });
  for (const [file, text] of Object.entries(extraFiles)) writeFileSync(join(dir, file), text);
  await run(`${name}: npm init`, "npm", ["init", "-y"], { cwd: dir, timeoutMs: 30_000 });
  await run(`${name}: npm pkg set`, "npm", ["pkg", "set", "type=module"], { cwd: dir, timeoutMs: 30_000 });
  return dir;
}

/** The specifiers of the installed SDK's entry points: "tenax-sdk", "tenax-sdk/testing", … */
function sdkEntryPoints(dir) {
  const { name, exports } = JSON.parse(readFileSync(join(dir, "node_modules/tenax-sdk/package.json"), "utf8"));
  return Object.keys(exports)
    .filter((key) => key !== "./package.json")
    .map((key) => (key === "." ? name : `${name}/${key.slice(2)}`));
}

/** Nothing private came along, and the SDK ships no tests or internal test helpers. */
function checkInstalled(dir) {
  if (existsSync(join(dir, "node_modules/@tenax"))) throw new Error(`${dir}: a private @tenax/* package was installed`);
  const shipped = readdirSync(join(dir, "node_modules/tenax-sdk"), { recursive: true, encoding: "utf8" });
  const tests = shipped.filter((f) => /\.test\.|internal-testing/.test(f));
  if (tests.length) throw new Error(`tenax-sdk ships tests or test helpers: ${tests.join(", ")}`);
}

/** The JSON object a program printed last, whose `output` must be `expected`. */
function checkOutput(name, stdout, expected) {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  const printed = JSON.parse(line);
  if (JSON.stringify(printed.output) !== JSON.stringify(expected)) throw new Error(`${name}: expected output ${JSON.stringify(expected)}, got ${line}`);
  log(`${name}: ${JSON.stringify(printed.output)}`);
  return printed;
}

async function main() {
  for (const tarball of [sdkTarball, cliTarball]) {
    await run("publint", process.execPath, [join(root, "node_modules/publint/src/cli.js"), "run", tarball, "--strict"], { cwd: root, timeoutMs: 60_000 });
    log(`publint --strict: ${manifest[tarball === sdkTarball ? "sdk" : "cli"]} is clean`);
  }

  // The JavaScript project installs both tarballs and runs the stack; the TypeScript project
  // installs the SDK (and typescript, @types/node) and compiles meanwhile.
  const jsReady = (async () => {
    const dir = await project("js", readmeProgram());
    await npm("js: npm install <sdk>", ["install", sdkTarball], dir);
    await npm("js: npm install -D <cli>", ["install", "-D", cliTarball], dir);
    checkInstalled(dir);
    log("js: installed the SDK and the CLI tarballs");
    return dir;
  })();
  const tsReady = (async () => {
    const dir = await project("ts");
    await npm("ts: npm install <sdk>", ["install", sdkTarball], dir);
    const devDeps = ["typescript", "@types/node"].map((name) => `${name}@${rootPkg.devDependencies[name]}`);
    await npm("ts: npm install -D typescript", ["install", "-D", ...devDeps], dir);
    checkInstalled(dir);
    // Every entry point of the SDK, so that the strict tsc reads all of their declarations.
    writeFileSync(
      join(dir, "src/entry-points.ts"),
      `// Written by build/test-packages.mjs.\n${sdkEntryPoints(dir)
        .map((spec, i) => `export * as entry${i} from ${JSON.stringify(spec)};\n`)
        .join("")}`,
    );
    await run("ts: tsc (strict, skipLibCheck off)", "npx", ["--no", "--", "tsc", "--project", "tsconfig.json"], { cwd: dir, timeoutMs: 90_000 });
    log("ts: the strict tsc passed (exactOptionalPropertyTypes, noUncheckedIndexedAccess, nodenext, skipLibCheck off)");
    return dir;
  })();
  // Settle both before failing, so that nothing is left running in the background.
  const [js, ts] = await Promise.allSettled([jsReady, tsReady]);
  if (js.status === "rejected") throw js.reason;
  if (ts.status === "rejected") throw ts.reason;
  const jsDir = js.value;
  const tsDir = ts.value;

  const [pg, ingest, executor, scheduler] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const env = {
    DATABASE_URL: "",
    TENAX_DATA_DIR: dataDir,
    TENAX_DEV_PG_PORT: String(pg),
    TENAX_INGEST_LISTEN: `127.0.0.1:${ingest}`,
    TENAX_EXECUTOR_LISTEN: `127.0.0.1:${executor}`,
    TENAX_SCHEDULER_LISTEN: `127.0.0.1:${scheduler}`,
    TENAX_INGEST_URL: `http://127.0.0.1:${ingest}`,
    TENAX_EXECUTOR_URL: `http://127.0.0.1:${executor}`,
  };
  const dev = start("npx tenax dev", "npx", ["--no", "--", "tenax", "dev"], { cwd: jsDir, env });
  await waitForLine(dev, "Tenax dev is running", 90_000);
  log(`the installed \`npx tenax dev\` is running (ingest :${ingest}, executor :${executor})`);

  const imports = sdkEntryPoints(jsDir)
    .map((spec) => `await import(${JSON.stringify(spec)});`)
    .join(" ");
  await run("js: import every entry point", "node", ["--input-type=module", "-e", imports], { cwd: jsDir, env, timeoutMs: 30_000 });
  await run("js: require() from CommonJS", "node", ["require-check.cjs"], { cwd: jsDir, env, timeoutMs: 30_000 });
  const kit = await run("ts: the testing kit", "node", ["dist/kit-check.js"], { cwd: tsDir, env: {}, timeoutMs: 30_000 });
  checkOutput("ts: the testing kit (tenax-sdk/testing) returned", kit, { greeting: "Hi from the kit", steps: 2 });
  for (const [name, cwd, dir, expected] of [
    ["js", jsDir, ".", { greeting: "Hello, Ada!" }],
    ["ts", tsDir, "dist", { greeting: "Hello, Grace!", steps: 2 }],
  ]) {
    const ext = name === "js" ? "mjs" : "js";
    const worker = start(`${name}: worker`, "node", [`${dir}/worker.${ext}`], { cwd, env });
    await waitForLine(worker, "worker connected", 30_000);
    const out = await run(`${name}: sender`, "node", [`${dir}/sender.${ext}`], { cwd, env, timeoutMs: 45_000 });
    const { eventId } = checkOutput(`${name}: the run returned`, out, expected);
    // README's next line: the runs that event started.
    const listed = await run(`${name}: tenax runs list --event`, "npx", ["--no", "--", "tenax", "runs", "list", "--event", eventId], { cwd: jsDir, env, timeoutMs: 30_000 });
    if (!/\bcompleted\b/.test(listed) || listed.trim().split("\n").length !== 1) throw new Error(`tenax runs list --event ${eventId} printed:\n${listed}`);
    log(`${name}: \`npx tenax runs list --event <id>\` lists its run, completed`);
    // README's worker closes on Ctrl-C and then exits by itself; the TypeScript one on SIGTERM.
    const exit = await stopGroup(worker, name === "js" ? "SIGINT" : "SIGTERM", 5_000);
    if (exit !== 0) throw new Error(`${name}: the worker exited ${exit} on ${name === "js" ? "SIGINT" : "SIGTERM"}, not 0:\n${tail(worker)}`);
  }

  // One service per process, as deployed: `tenax migrate` and `tenax start <service>` on the same
  // database, each service on a port of its own.
  const services = { DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${pg}/postgres` };
  const migrated = await run("tenax migrate", "npx", ["--no", "--", "tenax", "migrate"], { cwd: jsDir, env: services, timeoutMs: 30_000 });
  if (!migrated.includes("migrations applied")) throw new Error(`tenax migrate printed: ${migrated}`);
  await Promise.all(
    ["ingest", "scheduler", "executor"].map(async (name) => {
      const env = { ...services, [`TENAX_${name.toUpperCase()}_LISTEN`]: `127.0.0.1:${await freePort()}` };
      const service = start(`tenax start ${name}`, "npx", ["--no", "--", "tenax", "start", name], { cwd: jsDir, env });
      await waitForLine(service, '"listening"', 30_000);
      await stopGroup(service, "SIGTERM", 10_000);
    }),
  );
  log("tenax migrate, and tenax start ingest|scheduler|executor, work from the installed CLI");

  // Ctrl-C in the terminal: SIGINT to npx, `tenax dev` and whatever shares their process group.
  const code = await stopGroup(dev, "SIGINT", 30_000);
  log(`tenax dev stopped on SIGINT (exit ${code})`);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`test:packages: not done after ${TOTAL_TIMEOUT_MS / 1000} s\n`);
  for (const proc of procs) process.stderr.write(`--- ${proc.name}\n${tail(proc)}\n`);
  void cleanup().then(() => process.exit(1));
}, TOTAL_TIMEOUT_MS);

try {
  await main();
  log("passed");
} catch (err) {
  process.stderr.write(`test:packages failed: ${err instanceof Error ? err.message : String(err)}\n`);
  for (const proc of procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null))
    process.stderr.write(`--- ${proc.name} (still running)\n${tail(proc)}\n`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
