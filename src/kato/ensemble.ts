/**
 * Ensemble metrics over the kept candidates (SEMANTICS.md §3.6): symbol
 * probabilities, itfdf similarity, confluence, the entropy family, tf-idf,
 * predictive information, the Bayesian fields and the potential.
 *
 * Floating-point operations follow KATO's order so results agree to the last
 * bit where only `+ − × ÷ √` are involved (itfdf, Bayesian, potential) and to
 * about 1e-15 where a logarithm or power is (the JS and C libms may differ by
 * an ulp).
 *
 * @module
 */

import { compareCodePoints, flatten } from "./normalize.ts";
import { countSymbols, entropyMetrics } from "./entropy.ts";
import { predictiveInformation } from "./predictive_information.ts";
import { fragmentationTerm } from "./ranking.ts";
import type { FinalizedMetrics, FuturePotential, NodeStatistics, Prediction } from "./types.ts";

/** What the ensemble reads of one aligned candidate (frequency floored to 1 already). */
export type EnsembleMember = Pick<
  Prediction,
  | "name"
  | "frequency"
  | "similarity"
  | "matches"
  | "missing"
  | "present"
  | "future"
  | "evidence"
  | "confidence"
  | "snr"
  | "fragmentation"
>;

/** The prediction fields the ensemble computes. */
export type EnsembleMetrics = Pick<
  Prediction,
  | "potential"
  | "confluence"
  | "predictive_information"
  | "entropy"
  | "normalized_entropy"
  | "global_normalized_entropy"
  | "itfdf_similarity"
  | "tfidf_score"
  | "pattern_probability"
  | "weighted_strength"
  | "bayesian_posterior"
  | "bayesian_prior"
  | "bayesian_likelihood"
>;

/**
 * KATO's `symbol_probability_cache`: p(s) = pmf(s)/U for every symbol of the
 * members' matches and missing, 0 when the node does not know it. Symbols
 * outside it count as probability 0 in itfdf (state symbols no candidate
 * presents) and 1e-10 in confluence.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { symbolProbabilities } from "./ensemble.ts";
 * const stats = {
 *   patternMemberFrequency: (s: string) => ({ a: 1, b: 2 } as Record<string, number>)[s],
 *   distinctSymbols: 2,
 *   totalUniquePatterns: 2,
 *   totalPatternFrequencies: 2,
 * };
 * const spc = symbolProbabilities([{ matches: ["b", "z"], missing: [["a"]] }], stats);
 * deepStrictEqual([...spc], [["b", 1], ["z", 0], ["a", 0.5]]);
 * ```
 */
export function symbolProbabilities(
  members: readonly Pick<EnsembleMember, "matches" | "missing">[],
  stats: NodeStatistics,
): Map<string, number> {
  const u = stats.totalUniquePatterns;
  const spc = new Map<string, number>();
  const add = (s: string) => {
    if (spc.has(s)) return;
    const pmf = stats.patternMemberFrequency(s);
    spc.set(s, pmf === undefined || u <= 0 ? 0.0 : pmf / u);
  };
  for (const m of members) {
    m.matches.forEach(add);
    m.missing.forEach((event) => event.forEach(add));
  }
  return spc;
}

/** Distinct symbols with their counts, in code point order (KATO's sorted index). */
function sortedCounts(symbols: readonly string[]): [string, number][] {
  return [...countSymbols(symbols)].sort((x, y) => compareCodePoints(x[0], y[0]));
}

/**
 * Cosine distances between each member's present and the state, with
 * p(s)-weighted count vectors over the sorted union of symbols. Zero entries
 * add nothing, so summing over a member's own sorted symbols gives the same
 * bits as summing over the whole index.
 */
function itfdfDistances(
  state: readonly string[],
  presents: readonly string[][],
  spc: ReadonlyMap<string, number>,
): number[] {
  const stateVector = new Map<string, number>();
  let stateSquares = 0;
  for (const [s, c] of sortedCounts(state)) {
    const x = (spc.get(s) ?? 0) * c;
    stateVector.set(s, x);
    stateSquares += x * x;
  }
  const stateNorm = Math.sqrt(stateSquares);
  return presents.map((present) => {
    if (!(stateNorm > 0)) return 1.0;
    let dot = 0;
    let squares = 0;
    for (const [s, c] of sortedCounts(present)) {
      const x = (spc.get(s) ?? 0) * c;
      dot += x * (stateVector.get(s) ?? 0);
      squares += x * x;
    }
    const denominator = Math.sqrt(squares) * stateNorm;
    return 1.0 - (denominator > 0 ? dot / denominator : 0.0);
  });
}

/** `1 − Π q(s)` over the present with repetition, the product as `10**Σ log10 q`. */
function confluenceComplement(
  present: readonly string[],
  spc: ReadonlyMap<string, number>,
): number {
  let logSum = 0;
  for (const s of present) {
    const q = spc.has(s) ? spc.get(s)! : 1e-10;
    logSum += q > 0 ? Math.log10(q) : Math.log10(1e-10);
  }
  return 1 - 10 ** logSum;
}

/**
 * Computes every ensemble metric of the members, aligned with the input, and
 * the future potentials. Finalized metrics (by name) replace the present-based
 * entropy family and tf-idf.
 *
 * @example SEMANTICS.md's worked example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { ensembleMetrics } from "./ensemble.ts";
 * const stats = {
 *   patternMemberFrequency: () => 1,
 *   distinctSymbols: 3,
 *   totalUniquePatterns: 1,
 *   totalPatternFrequencies: 1,
 * };
 * const member = {
 *   name: "386fbb12926e8e015a1483990df913e8410f94ce",
 *   frequency: 1,
 *   similarity: 0.8,
 *   matches: ["hello", "world"],
 *   missing: [[], []],
 *   present: [["hello"], ["world"]],
 *   future: [["test"]],
 *   evidence: 2 / 3,
 *   confidence: 1,
 *   snr: 1,
 *   fragmentation: 0,
 * };
 * const { metrics } = ensembleMetrics(["hello", "world"], [member], stats);
 * strictEqual(metrics[0]!.potential, 3.666666666666666);
 * strictEqual(metrics[0]!.itfdf_similarity, 0.9999999999999998);
 * ```
 */
export function ensembleMetrics(
  state: readonly string[],
  members: readonly EnsembleMember[],
  stats: NodeStatistics,
  finalized?: (name: string) => FinalizedMetrics | undefined,
): { metrics: EnsembleMetrics[]; futurePotentials: FuturePotential[] } {
  const spc = symbolProbabilities(members, stats);
  let totalFrequency = 0;
  for (const m of members) totalFrequency += m.frequency;
  const presents = members.map((m) => flatten(m.present));
  const distances = itfdfDistances(state, presents, spc);
  const { perCandidate, futurePotentials } = predictiveInformation(members);
  const tpf = stats.totalPatternFrequencies;
  const probability = (s: string) => spc.get(s) ?? 0;

  let evidenceSum = 0.0;
  const priors = members.map((m) => m.frequency / totalFrequency);
  members.forEach((m, i) => evidenceSum += m.similarity * priors[i]!);

  const metrics = members.map((m, i): EnsembleMetrics => {
    const present = presents[i]!;
    const itfdf = totalFrequency > 0 ? 1 - (distances[i]! * m.frequency) / totalFrequency : 0.0;
    const patternProbability = tpf > 0 ? m.frequency / tpf : 0.0;
    const entropy = finalized?.(m.name) ??
      entropyMetrics(
        present,
        probability,
        stats.distinctSymbols,
        stats.totalUniquePatterns,
      );
    const prior = priors[i]!;
    return {
      // KATO's order: ((evidence + confidence)·snr + itfdf) + fragmentation term.
      potential: (m.evidence + m.confidence) * m.snr + itfdf +
        fragmentationTerm(m.fragmentation),
      confluence: present.length > 0 ? patternProbability * confluenceComplement(present, spc) : 0.0,
      predictive_information: perCandidate[i]!.predictive_information,
      entropy: entropy.entropy,
      normalized_entropy: entropy.normalized_entropy,
      global_normalized_entropy: entropy.global_normalized_entropy,
      itfdf_similarity: itfdf,
      tfidf_score: entropy.tfidf_score,
      pattern_probability: perCandidate[i]!.pattern_probability,
      weighted_strength: perCandidate[i]!.weighted_strength,
      bayesian_posterior: evidenceSum > 0 ? (m.similarity * prior) / evidenceSum : 0.0,
      bayesian_prior: prior,
      bayesian_likelihood: m.similarity,
    };
  });
  return { metrics, futurePotentials };
}
