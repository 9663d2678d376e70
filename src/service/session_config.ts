/**
 * Per-session configuration: defaults, validation with KATO's messages, and the inert KATO keys.
 *
 * @module
 */

import { RANKABLE_FIELDS, type RankField } from "../kato/types.ts";

/** The effective configuration of a session. */
export interface SessionConfig {
  recall_threshold: number;
  max_predictions: number;
  max_pattern_length: number;
  persistence: number;
  stm_mode: "CLEAR" | "ROLLING";
  sort_symbols: boolean;
  use_token_matching: boolean;
  rank_sort_algo: RankField;
  process_predictions: boolean;
  /** KATO keys that are accepted and kept but change nothing here (filter pipeline, indexer). */
  inert: Record<string, unknown>;
}

/** A fresh copy of the defaults. */
export function defaultSessionConfig(): SessionConfig {
  return {
    recall_threshold: 0.1,
    max_predictions: 100,
    max_pattern_length: 0,
    persistence: 5,
    stm_mode: "CLEAR",
    sort_symbols: true,
    use_token_matching: true,
    rank_sort_algo: "potential",
    process_predictions: true,
    inert: {},
  };
}

/** KATO configuration keys accepted for compatibility that do not affect this service's results. */
export const INERT_KEYS = [
  "indexer_type",
  "filter_pipeline",
  "length_min_ratio",
  "length_max_ratio",
  "jaccard_threshold",
  "jaccard_min_overlap",
  "minhash_threshold",
  "minhash_bands",
  "minhash_rows",
  "minhash_num_hashes",
  "bloom_false_positive_rate",
  "max_candidates_per_stage",
  "enable_filter_metrics",
] as const;

/** Raised when a configuration update is invalid; nothing was changed. */
export class ConfigValidationError extends Error {
  /** Field → message, as KATO reports them. */
  readonly errors: Record<string, string>;
  constructor(errors: Record<string, string>) {
    super(`Cannot update configuration: ${Object.keys(errors).join(", ")} invalid`);
    this.name = "ConfigValidationError";
    this.errors = errors;
  }
}

/** What an update did. */
export interface ConfigUpdate {
  config: SessionConfig;
  /** Recognised keys that were stored but have no effect. */
  inertKeys: string[];
  /** Keys that were not recognised and were ignored. */
  ignoredKeys: string[];
}

type Check = (value: unknown) => string | undefined;

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const intIn = (min: number, max: number, message: string): Check => (v) =>
  isInt(v) && v >= min && v <= max ? undefined : message;
const bool: Check = (v) => typeof v === "boolean" ? undefined : "Must be a boolean (true/false)";

const CHECKS: Record<string, Check> = {
  recall_threshold: (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1
      ? undefined
      : "Must be a number between 0.0 and 1.0",
  max_predictions: intIn(1, 10000, "Must be an integer between 1 and 10000"),
  max_pattern_length: intIn(0, Number.MAX_SAFE_INTEGER, "Must be a non-negative integer"),
  persistence: intIn(1, 100, "Must be an integer between 1 and 100"),
  stm_mode: (v) => typeof v === "string" ? undefined : "Must be a string (CLEAR or ROLLING)",
  sort_symbols: bool,
  use_token_matching: (v) =>
    v === true
      ? undefined
      : v === false
      ? "Character-level matching (use_token_matching=false) is not supported; only token matching is"
      : "Must be a boolean (true/false)",
  rank_sort_algo: (v) =>
    typeof v === "string" && (RANKABLE_FIELDS as readonly string[]).includes(v)
      ? undefined
      : `Must be one of: ${RANKABLE_FIELDS.join(", ")}`,
  process_predictions: bool,
  fuzzy_token_threshold: (v) => v === 0 || v === null ? undefined : "Fuzzy token matching is not supported; use 0.0",
  affinity_emotive: (v) => v === null || v === undefined ? undefined : "Emotive affinity weighting is not supported",
  indexer_type: (v) =>
    ["VI", "LSH", "ANNOY", "FAISS"].includes(v as string) ? undefined : "Must be one of: VI, LSH, ANNOY, FAISS",
};

/**
 * Validates `changes` and returns the updated configuration; throws ConfigValidationError and changes
 * nothing when any value is invalid. Unknown keys are ignored; KATO's filter keys are kept as inert.
 *
 * @example Update and reject
 * ```ts
 * import { strictEqual, throws } from "node:assert";
 * import { applyConfigUpdate, defaultSessionConfig } from "./session_config.ts";
 * const { config } = applyConfigUpdate(defaultSessionConfig(), { max_predictions: 5 });
 * strictEqual(config.max_predictions, 5);
 * throws(() => applyConfigUpdate(config, { persistence: 0 }));
 * ```
 */
export function applyConfigUpdate(current: SessionConfig, changes: Record<string, unknown>): ConfigUpdate {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(changes)) {
    // Own keys only: "constructor" or "toString" in a body are unknown keys, not Object's methods.
    const message = Object.hasOwn(CHECKS, key) ? CHECKS[key]!(value) : undefined;
    if (message !== undefined) errors[key] = message;
  }
  if (Object.keys(errors).length > 0) throw new ConfigValidationError(errors);

  const next: SessionConfig = { ...current, inert: { ...current.inert } };
  const inertKeys: string[] = [];
  const ignoredKeys: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if ((INERT_KEYS as readonly string[]).includes(key)) {
      next.inert[key] = value;
      inertKeys.push(key);
    } else if (key === "stm_mode") {
      // KATO rewrites any mode other than ROLLING to CLEAR rather than rejecting it.
      next.stm_mode = value === "ROLLING" ? "ROLLING" : "CLEAR";
    } else if (key === "process_predictions") {
      // Stored and reported as KATO does, but it only gates KATO's observe-time prediction cache,
      // which this service does not keep (predictions are computed on request).
      next.process_predictions = value as boolean;
      inertKeys.push(key);
    } else if (key === "fuzzy_token_threshold" || key === "affinity_emotive") {
      inertKeys.push(key);
    } else if (Object.hasOwn(CHECKS, key)) {
      (next as unknown as Record<string, unknown>)[key] = value;
    } else {
      ignoredKeys.push(key);
    }
  }
  // KATO's auto-toggle: use_token_matching without sort_symbols sets sort_symbols to the same value.
  if ("use_token_matching" in changes && !("sort_symbols" in changes)) next.sort_symbols = next.use_token_matching;
  return { config: next, inertKeys, ignoredKeys };
}

/** The configuration as clients see it: KATO's keys, inert ones flattened in. */
export function publicConfig(config: SessionConfig): Record<string, unknown> {
  const { inert, ...effective } = config;
  return { ...effective, ...inert };
}
