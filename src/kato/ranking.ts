/**
 * Pruning before the ensemble metrics and the final ordering of predictions
 * (SEMANTICS.md §3.5 and §3.7).
 *
 * KATO breaks ties by arrival order, which is not deterministic there (set
 * iteration, thread batches). We break them by similarity descending, then
 * name ascending, so the same request always gives the same answer. Values are
 * compared with `<`/`>`, so -0.0 and 0.0 tie and are returned as computed.
 *
 * @module
 */

import { TopK } from "./_top_k.ts";
import { compareCodePoints } from "./normalize.ts";
import type { Prediction, RankField } from "./types.ts";

/** The per-candidate fields pruning reads. */
export type PruneInput = Pick<Prediction, "name" | "similarity" | "evidence" | "confidence" | "snr" | "fragmentation">;

/**
 * The fragmentation part of the potential: `1/(fragmentation+1)`, or 0 when
 * nothing matched (fragmentation −1).
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { fragmentationTerm } from "./ranking.ts";
 * strictEqual(fragmentationTerm(1), 0.5);
 * strictEqual(fragmentationTerm(-1), 0);
 * ```
 */
export function fragmentationTerm(fragmentation: number): number {
  return fragmentation === -1 ? 0.0 : 1.0 / (fragmentation + 1);
}

/**
 * KATO's `_pre_potential`: the potential without itfdf,
 * `(evidence + confidence)·snr + (0 if fragmentation == −1 else 1/(fragmentation+1))`.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { prePotential } from "./ranking.ts";
 * strictEqual(prePotential({ evidence: 0.5, confidence: 1, snr: 1, fragmentation: 0 }), 2.5);
 * strictEqual(prePotential({ evidence: 0, confidence: 0, snr: -1, fragmentation: -1 }), 0);
 * ```
 */
export function prePotential(
  p: Pick<PruneInput, "evidence" | "confidence" | "snr" | "fragmentation">,
): number {
  return (p.evidence + p.confidence) * p.snr +
    fragmentationTerm(p.fragmentation);
}

/** Descending by key, then similarity descending, then name ascending. */
function byKeyThenSimilarityThenName(
  ka: number,
  kb: number,
  a: { similarity: number; name: string },
  b: { similarity: number; name: string },
): number {
  if (ka > kb) return -1;
  if (ka < kb) return 1;
  if (a.similarity > b.similarity) return -1;
  if (a.similarity < b.similarity) return 1;
  return compareCodePoints(a.name, b.name);
}

/**
 * Keeps the best `limit` candidates by {@linkcode prePotential} (ties:
 * similarity desc, then name asc) when there are more than `limit`, in their
 * input order. The ensemble metrics are then computed over the kept ones.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { pruneCandidates } from "./ranking.ts";
 * const c = (name: string, snr: number) => ({
 *   name,
 *   similarity: 0.5,
 *   evidence: 1,
 *   confidence: 1,
 *   snr,
 *   fragmentation: 0,
 * });
 * const kept = pruneCandidates([c("b", 0.5), c("c", 1), c("a", 0.5)], 2);
 * deepStrictEqual(kept.map((k) => k.name), ["c", "a"]);
 * ```
 */
export function pruneCandidates<T extends PruneInput>(
  items: readonly T[],
  limit: number,
): T[] {
  if (items.length <= limit) return [...items];
  const pruner = new Pruner<T>(limit);
  items.forEach((item, index) => pruner.offer(item, index, prePotential(item)));
  return pruner.kept();
}

/**
 * {@linkcode pruneCandidates} as a stream: offer each candidate with its input position and its `pre`,
 * read back the best `limit` in input order. Holds `limit` candidates, not all of them: at low
 * thresholds prediction offers millions.
 *
 * @example The same answer as pruneCandidates
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { Pruner } from "./ranking.ts";
 * const pruner = new Pruner<{ name: string; similarity: number }>(2);
 * pruner.offer({ name: "b", similarity: 0.5 }, 0, 1.5);
 * pruner.offer({ name: "c", similarity: 0.5 }, 1, 2);
 * pruner.offer({ name: "a", similarity: 0.5 }, 2, 1.5);
 * deepStrictEqual(pruner.kept().map((k) => k.name), ["c", "a"]);
 * ```
 */
export class Pruner<T extends { name: string; similarity: number }> {
  // The index ends every tie, so the best `limit` are the first `limit` of a stable sort.
  readonly #best: TopK<{ item: T; index: number; pre: number }>;

  constructor(limit: number) {
    this.#best = new TopK(
      limit,
      (x, y) => byKeyThenSimilarityThenName(x.pre, y.pre, x.item, y.item) || x.index - y.index,
    );
  }

  /** Candidates kept so far. */
  get size(): number {
    return this.#best.size;
  }

  /** The lowest `pre` kept (undefined while none is). */
  worstPre(): number | undefined {
    return this.#best.worst()?.pre;
  }

  /** Offers `item`, the `index`-th candidate, whose pruning score is `pre`. */
  offer(item: T, index: number, pre: number): void {
    this.#best.offer({ item, index, pre });
  }

  /** The kept candidates, in input order. */
  kept(): T[] {
    return this.#best.items().sort((x, y) => x.index - y.index).map((s) => s.item);
  }
}

/**
 * Orders predictions by `field` descending (ties: similarity desc, then name
 * asc) and keeps the first `maxPredictions`.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { rankPredictions } from "./ranking.ts";
 * import type { Prediction } from "./types.ts";
 * const p = (name: string, potential: number, similarity: number) =>
 *   ({ name, potential, similarity }) as Prediction;
 * const ranked = rankPredictions([p("b", 1, 0.5), p("a", 1, 0.5), p("c", 2, 0.1)], "potential", 2);
 * deepStrictEqual(ranked.map((r) => r.name), ["c", "a"]);
 * ```
 */
export function rankPredictions(
  predictions: readonly Prediction[],
  field: RankField,
  maxPredictions: number,
): Prediction[] {
  return [...predictions]
    .sort((a, b) => byKeyThenSimilarityThenName(a[field], b[field], a, b))
    .slice(0, Math.max(0, maxPredictions));
}
