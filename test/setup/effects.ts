import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A side-effect log shared with worker processes: one "<run id> <step>" line per step body run. */
export function createEffectsLog() {
  const file = join(mkdtempSync(join(tmpdir(), "tenax-effects-")), "effects.log");
  const read = () => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);
  return {
    file,
    /** Steps run for one run, in order. */
    of(runId: string): string[] {
      return read()
        .filter((l) => l.startsWith(`${runId} `))
        .map((l) => l.split(" ")[1]!);
    },
    /** Step-run counts per run id. */
    counts(): Map<string, string[]> {
      const m = new Map<string, string[]>();
      for (const l of read()) {
        const [run, step] = l.split(" ");
        m.set(run!, [...(m.get(run!) ?? []), step!]);
      }
      return m;
    },
  };
}
