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
  entropy: number;
  normalized_entropy: number;
  global_normalized_entropy: number;
  tfidf_score: number;
}

/** One prediction as returned by `GET /sessions/{id}/predictions`. */
export interface Prediction {
  type: "prototypical";
  name: string;
  frequency: number;
  emotives: Emotives;
  matches: string[];
  past: Event[];
  present: Event[];
  missing: Event[];
  extras: Event[];
  anomalies: unknown[];
  potential: number;
  evidence: number;
  similarity: number;
  fragmentation: number;
  snr: number;
  confluence: number;
  predictive_information: number;
  sequence: Event[];
  future: Event[];
  confidence: number;
  weighted_similarity: null;
  weighted_evidence: null;
  weighted_confidence: null;
  weighted_snr: null;
  entropy: number;
  normalized_entropy: number;
  global_normalized_entropy: number;
  itfdf_similarity: number;
  tfidf_score: number;
  pattern_probability: number;
  weighted_strength: number;
  bayesian_posterior: number;
  bayesian_prior: number;
  bayesian_likelihood: number;
}

/** One group of candidates sharing a future. */
export interface FuturePotential {
  future: Event[];
  aggregate_potential: number;
  supporting_patterns: number;
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
  maxPredictions: number;
  rankSortAlgo: RankField;
  /** Metrics stored by finalize-training, by pattern name. */
  finalized?: (name: string) => FinalizedMetrics | undefined;
}

/** Result of the prediction pipeline. */
export interface PredictionResult {
  predictions: Prediction[];
  future_potentials: FuturePotential[];
}
