/**
 * The prediction pipeline of SEMANTICS.md §3 after candidate selection:
 * alignment of each candidate, pruning, ensemble metrics, ranking.
 *
 * @module
 */

import { alignPattern } from "./alignment.ts";
import { AlignmentScorer } from "./alignment_score.ts";
import { averageEmotives } from "./emotives.ts";
import { type EnsembleMember, ensembleMetrics } from "./ensemble.ts";
import { flatten } from "./normalize.ts";
import { preUpperBound } from "./pre_bound.ts";
import { prePotential, Pruner, rankPredictions } from "./ranking.ts";
import type { Candidate, Event, NodeStatistics, Prediction, PredictionResult, PredictOptions } from "./types.ts";

interface Aligned extends EnsembleMember {
  candidate: Candidate;
  past: Event[];
  extras: Event[];
}

/**
 * Predictions for the STM from the engine's candidates (every pattern with
 * `similarity >= recall_threshold`, in the engine's order).
 *
 * The ensemble metrics are computed over the kept candidates in their input
 * order, which also orders future groups of equal potential. An empty state
 * gives no predictions; a one-symbol state takes the same path as longer ones.
 *
 * @example SEMANTICS.md's worked example
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert";
 * import { predict } from "./predict.ts";
 * const stats = {
 *   patternMemberFrequency: (s: string) => ["hello", "world", "test"].includes(s) ? 1 : undefined,
 *   distinctSymbols: 3,
 *   totalUniquePatterns: 1,
 *   totalPatternFrequencies: 1,
 * };
 * const candidate = {
 *   name: "386fbb12926e8e015a1483990df913e8410f94ce",
 *   events: [["hello"], ["world"], ["test"]],
 *   length: 3,
 *   frequency: 1,
 *   emotives: [],
 *   similarity: 0.8,
 * };
 * const { predictions, future_potentials } = predict(
 *   [["hello"], ["world"]],
 *   [candidate],
 *   stats,
 *   { maxPredictions: 100, rankSortAlgo: "potential" },
 * );
 * strictEqual(predictions[0]!.potential, 3.666666666666666);
 * deepStrictEqual(predictions[0]!.future, [["test"]]);
 * strictEqual(future_potentials[0]!.aggregate_potential, 1);
 * ```
 */
export function predict(
  stm: readonly Event[],
  candidates: readonly Candidate[],
  stats: NodeStatistics,
  options: PredictOptions,
): PredictionResult {
  const state = flatten(stm);
  if (state.length === 0) return { predictions: [], future_potentials: [] };

  const align = (candidate: Candidate): Aligned => {
    const a = alignPattern(candidate.events, stm, state);
    return {
      candidate,
      name: candidate.name,
      frequency: Math.max(1, candidate.frequency),
      similarity: candidate.similarity,
      matches: a.matches,
      past: a.past,
      present: a.present,
      future: a.future,
      missing: a.missing,
      extras: a.extras,
      evidence: a.evidence,
      confidence: a.confidence,
      snr: a.snr,
      fragmentation: a.fragmentation,
    };
  };
  const kept = keptCandidates(candidates, 3 * options.maxPredictions, state, options.encodedState).map(align);
  const { metrics, futurePotentials } = ensembleMetrics(
    state,
    kept,
    stats,
    options.finalized,
  );

  const predictions = kept.map((k, i): Prediction => {
    const m = metrics[i]!;
    return {
      type: "prototypical",
      name: k.name,
      frequency: k.frequency,
      emotives: averageEmotives(k.candidate.emotives),
      matches: k.matches,
      past: k.past,
      present: k.present,
      missing: k.missing,
      extras: k.extras,
      anomalies: [],
      potential: m.potential,
      evidence: k.evidence,
      similarity: k.similarity,
      fragmentation: k.fragmentation,
      snr: k.snr,
      confluence: m.confluence,
      predictive_information: m.predictive_information,
      sequence: k.candidate.events.map((event) => [...event]),
      future: k.future,
      confidence: k.confidence,
      weighted_similarity: null,
      weighted_evidence: null,
      weighted_confidence: null,
      weighted_snr: null,
      entropy: m.entropy,
      normalized_entropy: m.normalized_entropy,
      global_normalized_entropy: m.global_normalized_entropy,
      itfdf_similarity: m.itfdf_similarity,
      tfidf_score: m.tfidf_score,
      pattern_probability: m.pattern_probability,
      weighted_strength: m.weighted_strength,
      bayesian_posterior: m.bayesian_posterior,
      bayesian_prior: m.bayesian_prior,
      bayesian_likelihood: m.bayesian_likelihood,
    };
  });
  return {
    predictions: rankPredictions(
      predictions,
      options.rankSortAlgo,
      options.maxPredictions,
    ),
    future_potentials: futurePotentials,
  };
}

/**
 * The candidates pruning keeps (the best `limit` by `pre`, in input order), found from their scores
 * alone: every candidate that could survive is scored (matching blocks and event sizes, on symbol ids
 * when the engine gives them) and streamed into a {@linkcode Pruner}; only the kept ones are aligned
 * in full afterwards. Candidates whose `pre` upper bound (from their LCS) is below the `limit`-th best
 * real `pre` are not even scored: they cannot be kept whatever the tie-breaks, so the kept set is
 * exactly the one aligning everything gives. Nothing is held per candidate beyond the kept ones.
 */
function keptCandidates(
  candidates: readonly Candidate[],
  limit: number,
  state: readonly string[],
  encodedState: Int32Array | undefined,
): readonly Candidate[] {
  if (candidates.length <= limit) return candidates;
  const byString = new AlignmentScorer(state);
  const byId = encodedState === undefined ? undefined : new AlignmentScorer<number>(Array.from(encodedState));
  const preOf = (candidate: Candidate): number => {
    if (candidate.pre !== undefined) return candidate.pre;
    const encoded = candidate.encoded;
    return prePotential(
      byId !== undefined && encoded !== undefined
        ? byId.score(encoded.symbols, encoded.eventSizes)
        : byString.score(flatten(candidate.events), candidate.events.map((event) => event.length)),
    );
  };
  // The pruner reads a candidate's name only to break a tie: an engine candidate decodes it then.
  const pruner = new Pruner<Candidate>(limit);
  // Scored already (natively), or no bounds to skip by: every candidate goes to the pruner.
  if (candidates.some((c) => c.lcs === undefined) || candidates.every((c) => c.pre !== undefined)) {
    candidates.forEach((candidate, index) => pruner.offer(candidate, index, preOf(candidate)));
    return pruner.kept();
  }
  // Bounds take few distinct values (one per LCS and length): bucket the candidates by bound, in input
  // order, and walk the buckets by bound descending: the order of sorting by (bound desc, index asc).
  const buckets = new Map<number, number[]>();
  candidates.forEach((candidate, index) => {
    const bound = preUpperBound(candidate.lcs!, candidate.length, state.length);
    const bucket = buckets.get(bound);
    if (bucket === undefined) buckets.set(bound, [index]);
    else bucket.push(index);
  });
  walk: for (const bound of [...buckets.keys()].sort((a, b) => b - a)) {
    for (const index of buckets.get(bound)!) {
      if (pruner.size >= limit && bound < pruner.worstPre()!) break walk;
      pruner.offer(candidates[index]!, index, preOf(candidates[index]!));
    }
  }
  return pruner.kept();
}
