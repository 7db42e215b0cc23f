// Proves each lint rule bites: plants one violation per rule in the tree, lints, and expects
// exactly that rule to fire on each planted file. Run by .ci/verify after the real lint.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";

const planted = [
  { path: "services/ingest/src/__planted-service-import.ts", rule: "no-restricted-imports", code: 'import { startExecutor } from "@tenax/executor";\nexport const x = startExecutor;\n' },
  { path: "services/executor/src/__planted-database.ts", rule: "no-restricted-imports", code: 'import postgres from "postgres";\nexport const x = postgres;\n' },
  { path: "services/engine/src/__planted-drizzle.ts", rule: "no-restricted-imports", code: 'import { sql } from "drizzle-orm";\nexport const x = sql;\n' },
  { path: "sdk-ts/src/steps/__planted-rpc.ts", rule: "no-restricted-imports", code: 'import { createClient } from "@connectrpc/connect";\nexport const x = createClient;\n' },
  { path: "sdk-ts/src/__planted-server-package.ts", rule: "no-restricted-imports", code: 'import { limits } from "@tenax/engine";\nexport const x = limits;\n' },
  { path: "services/common/src/__planted-floating.ts", rule: "@typescript-eslint/no-floating-promises", code: "export async function f(): Promise<void> {\n  Promise.resolve(1);\n}\n" },
];

let failed = false;
try {
  for (const p of planted) writeFileSync(p.path, p.code);
  let out;
  try {
    out = execFileSync("npx", ["eslint", "--format", "json", ...planted.map((p) => p.path)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  } catch (err) {
    out = err.stdout; // eslint exits 1 when it finds problems: expected here
  }
  const results = JSON.parse(out);
  for (const p of planted) {
    const r = results.find((x) => x.filePath.endsWith(p.path));
    const rules = (r?.messages ?? []).map((m) => m.ruleId ?? m.message);
    const bites = rules.length > 0 && rules.every((id) => id === p.rule);
    console.log(`${bites ? "bites" : "DOES NOT BITE"}: ${p.rule} on ${p.path}${bites ? "" : ` (got ${JSON.stringify(rules)})`}`);
    failed ||= !bites;
  }
} finally {
  for (const p of planted) rmSync(p.path, { force: true });
}
if (failed) {
  console.error("a lint rule did not fire on its planted violation");
  process.exit(1);
}
