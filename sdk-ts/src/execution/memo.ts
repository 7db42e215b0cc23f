import type { ErrorInfoLike } from "../errors/serialize.js";

/** One memoized step result: JSON bytes for a success, an ErrorInfo for a final failure. */
export interface MemoEntryInput {
  /** Hashed step id. */
  stepId: string;
  data?: Uint8Array;
  error?: ErrorInfoLike;
}

export type Memo = ReadonlyMap<string, MemoEntryInput>;

/** Indexes memo entries by hashed step id; a later duplicate wins (it was stored last). */
export function createMemo(entries: readonly MemoEntryInput[]): Memo {
  const memo = new Map<string, MemoEntryInput>();
  for (const entry of entries) memo.set(entry.stepId, entry);
  return memo;
}
