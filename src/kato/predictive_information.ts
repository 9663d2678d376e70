/**
 * Ensemble predictive information and future potentials (KATO's
 * `calculate_ensemble_predictive_information`, SEMANTICS.md §3.6).
 *
 * @module
 */

import { sortSymbols } from "./normalize.ts";
import type { Event, FuturePotential, Prediction } from "./types.ts";

/** What predictive information reads of a candidate. */
export type FutureInput = Pick<Prediction, "frequency" | "similarity" | "future">;

/** Per-candidate results, aligned with the input. */
export interface PredictiveInformation {
  /** `freq/F` with F = Σ freq over the ensemble. */
  pattern_probability: number;
  /** `similarity · pattern_probability`. */
  weighted_strength: number;
  /** `weighted_strength / aggregate_potential` of the candidate's future group. */
  predictive_information: number;
}

interface Group {
  future: Event[];
  twf: number;
  count: number;
  potential: number;
}

/**
 * Groups candidates by future (events compared with their symbols sorted),
 * weighs each group by Σ freq·similarity and derives each candidate's
 * predictive information. Groups come back by aggregate potential descending,
 * ties in first-appearance order; a group shows its first candidate's future.
 *
 * @example Two patterns share a future, a third has none
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { predictiveInformation } from "./predictive_information.ts";
 * const { perCandidate, futurePotentials } = predictiveInformation([
 *   { frequency: 1, similarity: 0.5, future: [["x", "y"]] },
 *   { frequency: 1, similarity: 0.5, future: [["y", "x"]] },
 *   { frequency: 2, similarity: 1, future: [] },
 * ]);
 * deepStrictEqual(perCandidate.map((p) => p.predictive_information), [0.125, 0.125, 0]);
 * deepStrictEqual(futurePotentials, [
 *   { future: [["x", "y"]], aggregate_potential: 1, supporting_patterns: 2, total_weighted_frequency: 1 },
 * ]);
 * ```
 */
export function predictiveInformation(
  candidates: readonly FutureInput[],
): {
  perCandidate: PredictiveInformation[];
  futurePotentials: FuturePotential[];
} {
  let total = 0;
  for (const c of candidates) total += c.frequency;

  const groups = new Map<string, Group>();
  const keys = candidates.map((c) => {
    if (c.future.length === 0) return undefined;
    const key = JSON.stringify(c.future.map(sortSymbols));
    let group = groups.get(key);
    if (!group) {
      groups.set(
        key,
        group = { future: c.future, twf: 0.0, count: 0, potential: 0 },
      );
    }
    group.twf += c.frequency * c.similarity;
    group.count++;
    return key;
  });
  let allWeighted = 0;
  for (const g of groups.values()) allWeighted += g.twf;
  for (const g of groups.values()) {
    g.potential = allWeighted > 0 ? g.twf / allWeighted : 0.0;
  }

  const perCandidate = candidates.map((c, i) => {
    const probability = c.frequency / total;
    const strength = c.similarity * probability;
    const group = keys[i] === undefined ? undefined : groups.get(keys[i]);
    return {
      pattern_probability: probability,
      weighted_strength: strength,
      predictive_information: group && group.potential > 0 ? strength / group.potential : 0.0,
    };
  });
  // Array.prototype.sort is stable: equal potentials keep first-appearance order.
  const futurePotentials = [...groups.values()]
    .sort((a, b) => b.potential > a.potential ? 1 : b.potential < a.potential ? -1 : 0)
    .map((g) => ({
      future: g.future.map((event) => [...event]),
      aggregate_potential: g.potential,
      supporting_patterns: g.count,
      total_weighted_frequency: g.twf,
    }));
  return { perCandidate, futurePotentials };
}
