/**
 * The prediction pipeline of SEMANTICS.md §3 after candidate selection:
 * alignment of each candidate, pruning, ensemble metrics, ranking.
 *
 * @module
 */

import { alignPattern } from "./alignment.ts";
import { averageEmotives } from "./emotives.ts";
import { type EnsembleMember, ensembleMetrics } from "./ensemble.ts";
import { flatten } from "./normalize.ts";
import { preUpperBound } from "./pre_bound.ts";
import { prePotential, pruneCandidates, rankPredictions } from "./ranking.ts";
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
  const aligned = alignSurvivors(candidates, 3 * options.maxPredictions, state.length, align);
  const kept = pruneCandidates(aligned, 3 * options.maxPredictions);
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
 * Aligns every candidate that could survive pruning to `limit`, in input order. Candidates whose
 * `pre` upper bound (from their LCS) is below the `limit`-th best real `pre` are skipped: they cannot
 * be kept whatever the tie-breaks, so the pruned set is exactly the one aligning everything gives.
 */
function alignSurvivors(
  candidates: readonly Candidate[],
  limit: number,
  stateLength: number,
  align: (candidate: Candidate) => Aligned,
): Aligned[] {
  if (candidates.length <= limit || candidates.some((c) => c.lcs === undefined)) return candidates.map(align);
  const bounds = candidates.map((c) => preUpperBound(c.lcs!, c.length, stateLength));
  const order = candidates.map((_, index) => index).sort((a, b) => bounds[b]! - bounds[a]! || a - b);
  const done = new Map<number, Aligned>();
  const best = new MinHeap();
  for (const index of order) {
    if (best.size >= limit && bounds[index]! < best.peek()) break;
    const result = align(candidates[index]!);
    done.set(index, result);
    best.push(prePotential(result));
    if (best.size > limit) best.pop();
  }
  return [...done.keys()].sort((a, b) => a - b).map((index) => done.get(index)!);
}

/** A binary min-heap of numbers: the `limit` best scores, the worst of them on top. */
class MinHeap {
  #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): number {
    return this.#items[0]!;
  }

  push(value: number): void {
    const items = this.#items;
    items.push(value);
    for (let k = items.length - 1; k > 0;) {
      const parent = (k - 1) >> 1;
      if (items[parent]! <= items[k]!) break;
      [items[parent], items[k]] = [items[k]!, items[parent]!];
      k = parent;
    }
  }

  pop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    for (let k = 0;;) {
      const left = 2 * k + 1;
      const right = left + 1;
      let smallest = k;
      if (left < items.length && items[left]! < items[smallest]!) smallest = left;
      if (right < items.length && items[right]! < items[smallest]!) smallest = right;
      if (smallest === k) break;
      [items[smallest], items[k]] = [items[k]!, items[smallest]!];
      k = smallest;
    }
  }
}
