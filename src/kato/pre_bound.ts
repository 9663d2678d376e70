/**
 * An upper bound on a candidate's pruning score `pre` from its LCS alone, so that `predict()` aligns
 * only the candidates that can still make the top `3·max_predictions`.
 *
 * With M the matched symbols (R/O blocks, M ≤ LCS = L) and E the uncovered state symbols (E ≥ |S| − L,
 * as covered state symbols form a common subsequence):
 * - `snr = (2M − E)/(2M + E)` grows with M and shrinks with E, so `snr ≤ g = (3L − |S|)/(L + |S|)`;
 * - `evidence = M/|P| ≤ L/|P|`, `confidence ≤ 1`, and both are ≥ 1/|P| once M ≥ 1;
 * - the fragmentation term is at most 1 (M ≥ 1 whenever L ≥ 1: difflib finds a block of size ≥ 1).
 * Hence `pre ≤ (L/|P| + 1)·g + 1` when g ≥ 0, `pre ≤ (2/|P|)·g + 1` when g < 0, and `pre = 0` when L = 0.
 *
 * @module
 */

/** Relative slack so float rounding in the real score can never exceed the bound. */
const SLACK = 1e-9;

/**
 * Upper bound of `pre` for a pattern of `patternLength` symbols whose LCS with a state of `stateLength`
 * symbols is `lcs`.
 *
 * @example A full match of a 3-symbol pattern in a 3-symbol state
 * ```ts
 * import { ok } from "node:assert";
 * import { preUpperBound } from "./pre_bound.ts";
 * // The real pre is (1 + 1)·1 + 1 = 3.
 * ok(preUpperBound(3, 3, 3) >= 3);
 * ```
 */
export function preUpperBound(lcs: number, patternLength: number, stateLength: number): number {
  if (lcs <= 0) return SLACK;
  const g = (3 * lcs - stateLength) / (lcs + stateLength);
  const product = g >= 0 ? (lcs / patternLength + 1) * g : (2 / patternLength) * g;
  const bound = product + 1;
  return bound + SLACK * Math.max(1, Math.abs(bound));
}
