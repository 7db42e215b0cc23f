import { createHash } from "node:crypto";

/** The hashed step id the executor stores: lowercase hex SHA-1 of the user id (with counter). */
export function hashStepId(userId: string): string {
  return createHash("sha1").update(userId).digest("hex");
}

/**
 * Gives each step call a unique user id within one execution: the first
 * "fetch" stays "fetch", repeats become "fetch:1", "fetch:2"... Replays call
 * steps in the same order, so the same call gets the same id every time.
 */
export function createStepIdAllocator(): (id: string) => string {
  const used = new Set<string>();
  const nextCounter = new Map<string, number>();
  return (id) => {
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
    let n = nextCounter.get(id) ?? 1;
    // Skip ids the user wrote explicitly (e.g. a literal "fetch:1").
    while (used.has(`${id}:${n}`)) n++;
    nextCounter.set(id, n + 1);
    const userId = `${id}:${n}`;
    used.add(userId);
    return userId;
  };
}
