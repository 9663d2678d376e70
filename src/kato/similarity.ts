/**
 * KATO's similarity of a pattern and a state: the token LCS ratio with its
 * `×100/100` round trip (SEMANTICS.md §3.2), as a plain reference
 * implementation. The engines compute the same number faster.
 *
 * @module
 */

/**
 * Length of the longest common subsequence of two token lists (plain dynamic
 * programming, O(|a|·|b|) time, O(|b|) memory).
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { lcsLength } from "./similarity.ts";
 * strictEqual(lcsLength(["b", "c", "b"], ["c", "a", "b"]), 2);
 * ```
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (const x of a) {
    for (let j = 0; j < b.length; j++) {
      cur[j + 1] = x === b[j] ? prev[j]! + 1 : Math.max(prev[j + 1]!, cur[j]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * `((2.0·LCS/(|P|+|S|))·100.0)/100.0` evaluated in IEEE double in exactly that
 * order, so 2/3 comes out as 0.6666666666666665 as in KATO. 0 for two empty
 * lists.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { lcsSimilarity } from "./similarity.ts";
 * strictEqual(lcsSimilarity(["b", "c", "b"], ["c", "a", "b"]), 0.6666666666666665);
 * ```
 */
export function lcsSimilarity(
  pattern: readonly string[],
  state: readonly string[],
): number {
  const total = pattern.length + state.length;
  if (total === 0) return 0;
  return ((2.0 * lcsLength(pattern, state) / total) * 100.0) / 100.0;
}
