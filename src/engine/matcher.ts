/**
 * The matcher interface: the one seam between KATO semantics and the LCS engines.
 *
 * A pattern index holds one node's patterns as dense symbol ids and answers "which patterns have
 * `sim >= threshold` against this state". The TypeScript index, libmatcher's CPU backend and its CUDA
 * backend all implement it, and must return identical answers.
 *
 * @module
 */

/** A pattern as the engine stores it: a dense per-node id and its flattened symbol ids (all > 0). */
export interface EncodedPattern {
  /** Dense per-node pattern id, assigned by the engine in insertion order. */
  id: number;
  /** Flattened symbol ids; 0 is padding and never appears here. */
  symbols: Int32Array;
}

/** One pattern whose similarity against the state passed the threshold. */
export interface MatchCandidate {
  id: number;
  /** Length of the longest common subsequence of pattern and state tokens. */
  lcs: number;
  /** `((2·lcs/(|P|+|S|))·100)/100` in IEEE double, exactly as KATO computes it. */
  similarity: number;
}

/**
 * An index over one node's patterns.
 *
 * `query` returns every candidate with `similarity >= threshold`, ordered by similarity descending,
 * then pattern id ascending. State symbols are ids; unknown symbols are encoded as -1 (they match
 * nothing but still count towards |S|).
 */
export interface PatternIndex extends Disposable {
  /** Which implementation answers: `"ts"`, `"cpu"` or `"cuda"`. */
  readonly backend: string;
  /** Number of patterns held. */
  readonly size: number;
  /** Appends patterns; ids must be new. */
  add(patterns: readonly EncodedPattern[]): void | Promise<void>;
  /**
   * Optional bulk path for the load at start: patterns as columns, `symbols` holding them
   * concatenated. Same effect as `add`; an index with a tier for settled patterns puts them there.
   */
  addColumns?(ids: Int32Array, lengths: Int32Array, symbols: Int32Array): void | Promise<void>;
  /** Removes every pattern. */
  clear(): void | Promise<void>;
  /** All candidates with `similarity >= threshold`. */
  query(state: Int32Array, threshold: number): MatchCandidate[] | Promise<MatchCandidate[]>;
  /** Releases resources; idempotent. */
  close(): void;
}

/**
 * KATO's similarity: `((2.0 * lcs / (p + s)) * 100.0) / 100.0` in IEEE double, in exactly that order.
 *
 * @example Two of three symbols in common
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert";
 * import { similarity } from "./matcher.ts";
 * assertEquals(similarity(2, 3, 3), 0.6666666666666665);
 * ```
 */
export function similarity(lcs: number, patternLength: number, stateLength: number): number {
  const total = patternLength + stateLength;
  if (total === 0) return 0;
  return ((2.0 * lcs / total) * 100.0) / 100.0;
}

/** Orders candidates by similarity descending, then id ascending (the engines' shared order). */
export function compareCandidates(a: MatchCandidate, b: MatchCandidate): number {
  return b.similarity - a.similarity || a.id - b.id;
}

/** Columns as `EncodedPattern`s (views into `symbols`). */
export function encodedOf(ids: Int32Array, lengths: Int32Array, symbols: Int32Array): EncodedPattern[] {
  const out: EncodedPattern[] = [];
  let at = 0;
  ids.forEach((id, i) => {
    out.push({ id, symbols: symbols.subarray(at, at + lengths[i]!) });
    at += lengths[i]!;
  });
  return out;
}
