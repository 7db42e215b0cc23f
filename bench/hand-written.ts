import { existsSync, readFileSync } from "node:fs";

const summaryHeading = "## Summary (hand-written)";
const profileHeading = "## Profile notes";

/**
 * Carries the hand-written parts of an existing RESULTS.md (the summary after the title, the
 * profile notes at the end) into a newly generated one, so a full run replaces only numbers.
 */
export function keepHandWritten(previousPath: string, generated: string): string {
  if (!existsSync(previousPath)) return generated;
  const previous = readFileSync(previousPath, "utf8");
  const section = (text: string, heading: string, untilNextHeading: boolean) => {
    const at = text.indexOf(`\n${heading}\n`);
    if (at < 0) return null;
    const end = untilNextHeading ? text.indexOf("\n## ", at + heading.length + 2) : -1;
    return text.slice(at + 1, end < 0 ? undefined : end + 1);
  };
  let out = generated;
  const summary = section(previous, summaryHeading, true);
  if (summary) {
    const firstSection = out.indexOf("\n## ");
    out = firstSection < 0 ? `${out}\n${summary}` : `${out.slice(0, firstSection + 1)}${summary}${out.slice(firstSection + 1)}`;
  }
  const notes = section(previous, profileHeading, false);
  const generatedNotes = out.indexOf(`\n${profileHeading}\n`);
  if (notes && generatedNotes >= 0) out = `${out.slice(0, generatedNotes + 1)}${notes}`;
  return out;
}
