import type { ErrorInfoLike } from "../errors/serialize.js";

/** One memoized step result: JSON bytes for a success, an ErrorInfo for a final failure. */
export interface MemoEntryInput {
  /** Hashed step id. */
  stepId: string;
  data?: Uint8Array;
  error?: ErrorInfoLike;
}

/** A memo entry with its position in the stored order. */
export interface IndexedMemoEntry {
  entry: MemoEntryInput;
  /** Index in the memo list: lower means stored earlier. */
  index: number;
}

export type Memo = ReadonlyMap<string, IndexedMemoEntry>;

/**
 * Indexes memo entries by hashed step id, keeping their stored order; a later
 * duplicate wins (it was stored last), with its own index.
 */
export function createMemo(entries: readonly MemoEntryInput[]): Map<string, IndexedMemoEntry> {
  const memo = new Map<string, IndexedMemoEntry>();
  entries.forEach((entry, index) => {
    memo.delete(entry.stepId);
    memo.set(entry.stepId, { entry, index });
  });
  return memo;
}
