/**
 * Shared shapes of KATO's symbolic domain: events, patterns and prediction objects.
 *
 * Field names of the prediction object follow KATO's JSON (snake_case) because they are the wire format.
 *
 * @module
 */

/** A list of symbols observed together. */
export type Event = string[];

/** Emotive readings of one observation: name → value. */
export type Emotives = Record<string, number>;

/** Accumulated metadata of a pattern: key → sorted distinct stringified values. */
export type PatternMetadata = Record<string, string[]>;

/** One candidate pattern handed to the prediction pipeline by the engine. */
export interface Candidate {
  /** Bare 40-hex SHA-1 name. */
  name: string;
  /** The pattern's events, verbatim as learned. */
  events: Event[];
  /** Total number of symbols over all events. */
  length: number;
  /** Learn count (floored to 1 by the pipeline). */
  frequency: number;
  /** Stored raw emotive dicts (last `persistence` of them). */
  emotives: Emotives[];
  /** `((2·LCS/(|P|+|S|))·100)/100`, computed by the engine. */
  similarity: number;
  /**
   * LCS(P, S) when the engine knows it; lets `predict()` skip aligning candidates that provably
   * cannot survive pruning (see `src/kato/pre_bound.ts`).
   */
  lcs?: number;
  /**
   * The pattern as the engine holds it: symbol ids (one per distinct symbol) and its events' sizes.
   * With `PredictOptions.encodedState`, pruning matches ids instead of strings (same blocks, less work).
   */
  encoded?: { symbols: Int32Array; eventSizes: Int32Array };
  /**
   * KATO's pruning score when the engine computed it natively (libmatcher's `matcher_prescore`,
   * bit-identical to scoring here); pruning then reads it instead of scoring.
   */
  pre?: number;
}

/** Node-wide statistics the ensemble metrics read. */
export interface NodeStatistics {
  /** Pattern member frequency of a symbol, `undefined` when the node never saw it. */
  patternMemberFrequency(symbol: string): number | undefined;
  /** T: number of distinct symbols known in the node. */
  distinctSymbols: number;
  /** U: total_unique_patterns. */
  totalUniquePatterns: number;
  /** total_pattern_frequencies (equals U under KATO's re-learn rule). */
  totalPatternFrequencies: number;
}

/** Metrics precomputed by finalize-training over a whole pattern. */
export interface FinalizedMetrics {
  /** Shannon entropy (base 2) of the symbol counts. */
  entropy: number;
  /** The same in base T (0 if T ≤ 1). */
  normalized_entropy: number;
  /** −Σ p(s)·log_T p(s) over the distinct symbols with p(s) > 0 (0 if T ≤ 1). */
  global_normalized_entropy: number;
  /** Mean over distinct symbols of tf·(log2(U/pws) + 1). */
  tfidf_score: number;
}

/** One prediction as returned by `GET /sessions/{id}/predictions`. */
export interface Prediction {
  /** Always "prototypical". */
  type: "prototypical";
  /** Bare 40-hex pattern name. */
  name: string;
  /** Learn count, floored to 1. */
  frequency: number;
  /** Per-key mean of the stored emotive dicts. */
  emotives: Emotives;
  /** State tokens of the matching blocks, in order. */
  matches: string[];
  /** Pattern events before the first match. */
  past: Event[];
  /** Pattern events spanning the matches. */
  present: Event[];
  /** Aligned with `present`: symbols that occur nowhere in `matches`. */
  missing: Event[];
  /** Aligned with the STM: symbols that occur nowhere in `present`. */
  extras: Event[];
  /** Always empty (fuzzy matching is not supported). */
  anomalies: unknown[];
  /** (evidence + confidence)·snr + itfdf_similarity + 1/(fragmentation+1) (that last term 0 when fragmentation is −1). */
  potential: number;
  /** |matches| / pattern length. */
  evidence: number;
  /** LCS similarity with KATO's ×100/100 round trip. */
  similarity: number;
  /** Matching blocks − 1 (−1 when nothing matched). */
  fragmentation: number;
  /** (2·|matches| − E)/(2·|matches| + E), E the uncovered state tokens. */
  snr: number;
  /** P(pattern)·(1 − Π q(s)) over the present symbols. */
  confluence: number;
  /** weighted_strength / aggregate potential of the candidate's future (0 without a future). */
  predictive_information: number;
  /** The pattern's events. */
  sequence: Event[];
  /** Pattern events after present. */
  future: Event[];
  /** |matches| / number of present symbols. */
  confidence: number;
  /** Affinity weighting is not supported: always null. */
  weighted_similarity: null;
  /** Always null. */
  weighted_evidence: null;
  /** Always null. */
  weighted_confidence: null;
  /** Always null. */
  weighted_snr: null;
  /** Entropy of the present (of the whole pattern once finalized). */
  entropy: number;
  /** Entropy in base T. */
  normalized_entropy: number;
  /** Entropy from the node's symbol probabilities, base T. */
  global_normalized_entropy: number;
  /** 1 − cosine distance·freq/Σfreq between p-weighted present and state counts. */
  itfdf_similarity: number;
  /** Mean tf-idf of the present's distinct symbols. */
  tfidf_score: number;
  /** freq / Σfreq over the ensemble (KATO leaks it; kept for parity). */
  pattern_probability: number;
  /** similarity · pattern_probability (kept for parity). */
  weighted_strength: number;
  /** similarity·prior / Σ(similarity·prior). */
  bayesian_posterior: number;
  /** freq / Σfreq over the ensemble. */
  bayesian_prior: number;
  /** The similarity. */
  bayesian_likelihood: number;
}

/** One group of candidates sharing a future. */
export interface FuturePotential {
  /** The future of the group's first candidate. */
  future: Event[];
  /** The group's share of Σ freq·similarity over all groups. */
  aggregate_potential: number;
  /** Number of candidates in the group. */
  supporting_patterns: number;
  /** Σ freq·similarity over the group. */
  total_weighted_frequency: number;
}

/** Numeric prediction fields a session may rank by. */
export const RANKABLE_FIELDS = [
  "potential",
  "similarity",
  "evidence",
  "confidence",
  "snr",
  "fragmentation",
  "frequency",
  "entropy",
  "normalized_entropy",
  "global_normalized_entropy",
  "itfdf_similarity",
  "confluence",
  "predictive_information",
  "bayesian_posterior",
  "bayesian_prior",
  "bayesian_likelihood",
  "tfidf_score",
  "pattern_probability",
  "weighted_strength",
] as const;

/** A numeric prediction field usable as `rank_sort_algo`. */
export type RankField = typeof RANKABLE_FIELDS[number];

/** Options of one prediction request. */
export interface PredictOptions {
  /** Predictions returned at most; pruning keeps 3× as many for the ensemble. */
  maxPredictions: number;
  /** The field predictions are ordered by, descending. */
  rankSortAlgo: RankField;
  /** Metrics stored by finalize-training, by pattern name. */
  finalized?: (name: string) => FinalizedMetrics | undefined;
  /** The flattened STM as the engine encoded it (unknown symbols as ids no pattern has), for `Candidate.encoded`. */
  encodedState?: Int32Array;
}

/** Result of the prediction pipeline. */
export interface PredictionResult {
  /** Ranked and cut to maxPredictions. */
  predictions: Prediction[];
  /** Future groups by aggregate potential, descending. */
  future_potentials: FuturePotential[];
}
