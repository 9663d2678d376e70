/**
 * The entropy family and the tf-idf score of a symbol list (SEMANTICS.md §3.6):
 * over a prediction's present by default, over the whole pattern once
 * finalize-training has stored them.
 *
 * Sums run in first-appearance order of the symbols (KATO iterates a
 * `Counter`, or a `set` whose order Python randomises per process), and each
 * term is formed as KATO forms it (`p * log(p, T)` is `p * (ln p / ln T)`).
 *
 * @module
 */

import { flatten } from "./normalize.ts";
import type { Event, FinalizedMetrics, NodeStatistics } from "./types.ts";

/**
 * Symbol counts in first-appearance order, like Python's `Counter`.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { countSymbols } from "./entropy.ts";
 * deepStrictEqual([...countSymbols(["b", "a", "b"])], [["b", 2], ["a", 1]]);
 * ```
 */
export function countSymbols(symbols: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts;
}

/**
 * Entropy, normalized entropy (base T), global normalized entropy and tf-idf
 * of a symbol list.
 *
 * @param symbols The symbols, with repetition.
 * @param probability p(s), 0 when unknown.
 * @param distinctSymbols T, the number of distinct symbols of the node.
 * @param uniquePatterns U, total_unique_patterns.
 *
 * @example Two distinct symbols, each in the node's only pattern
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { entropyMetrics } from "./entropy.ts";
 * deepStrictEqual(entropyMetrics(["hello", "world"], () => 1, 3, 1), {
 *   entropy: 1,
 *   normalized_entropy: 0.6309297535714574,
 *   global_normalized_entropy: 0,
 *   tfidf_score: 0.5,
 * });
 * ```
 */
export function entropyMetrics(
  symbols: readonly string[],
  probability: (symbol: string) => number,
  distinctSymbols: number,
  uniquePatterns: number,
): FinalizedMetrics {
  const length = symbols.length;
  const counts = countSymbols(symbols);
  let entropy = 0.0;
  let normalized = 0.0;
  let global = 0.0;
  for (const c of counts.values()) {
    const p = c / length;
    entropy -= p * Math.log2(p);
  }
  if (distinctSymbols > 1) {
    const lnT = Math.log(distinctSymbols);
    for (const c of counts.values()) {
      const p = c / length;
      normalized -= p * (Math.log(p) / lnT);
    }
    for (const s of counts.keys()) {
      const q = probability(s);
      if (q > 0) global -= q * (Math.log(q) / lnT);
    }
  }
  let tfidf = 0.0;
  if (length > 0 && uniquePatterns > 0) {
    let sum = 0;
    for (const [s, c] of counts) {
      // Patterns holding s, recovered as int(p·U); float truncation included.
      const withSymbol = Math.trunc(probability(s) * uniquePatterns) || 1;
      sum += (c / length) * (Math.log2(uniquePatterns / withSymbol) + 1);
    }
    tfidf = sum / counts.size;
  }
  return {
    entropy,
    normalized_entropy: normalized,
    global_normalized_entropy: global,
    tfidf_score: tfidf,
  };
}

/**
 * The metrics finalize-training stores for a pattern: {@linkcode entropyMetrics}
 * over all of its symbols, with p(s) = pmf(s)/U for every symbol and T and U
 * read now.
 *
 * @example SEMANTICS.md's worked example after finalize-training
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { finalizeMetrics } from "./entropy.ts";
 * const stats = {
 *   patternMemberFrequency: () => 1,
 *   distinctSymbols: 3,
 *   totalUniquePatterns: 1,
 *   totalPatternFrequencies: 1,
 * };
 * deepStrictEqual(finalizeMetrics([["hello"], ["world"], ["test"]], stats), {
 *   entropy: 1.584962500721156,
 *   normalized_entropy: 1,
 *   global_normalized_entropy: 0,
 *   tfidf_score: 1 / 3,
 * });
 * ```
 */
export function finalizeMetrics(
  events: readonly Event[],
  stats: NodeStatistics,
): FinalizedMetrics {
  const u = stats.totalUniquePatterns;
  const probability = (s: string) => {
    const pmf = stats.patternMemberFrequency(s);
    return pmf === undefined || u <= 0 ? 0.0 : pmf / u;
  };
  return entropyMetrics(flatten(events), probability, stats.distinctSymbols, u);
}
