/**
 * Shared by the libmatcher tests (tests/native_test.ts, tests/gpu/gpu_test.ts): a seeded random
 * workload and the plain dynamic-programming answer every index must equal.
 *
 * @module
 */

import { compareCandidates, type EncodedPattern, type MatchCandidate, similarity } from "../src/engine/matcher.ts";

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plain dynamic-programming LCS; symbols <= 0 never match. */
export function lcsReference(pattern: Int32Array, state: Int32Array): number {
  let previous = new Int32Array(state.length + 1);
  let current = new Int32Array(state.length + 1);
  for (const p of pattern) {
    current[0] = 0;
    for (let j = 1; j <= state.length; j++) {
      current[j] = p === state[j - 1] && p > 0 ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[state.length]!;
}

/** Every candidate with `similarity >= threshold`, in the engines' order, computed the slow way. */
export function referenceQuery(
  patterns: readonly EncodedPattern[],
  state: Int32Array,
  threshold: number,
): MatchCandidate[] {
  const out: MatchCandidate[] = [];
  for (const p of patterns) {
    const lcs = lcsReference(p.symbols, state);
    const sim = similarity(lcs, p.symbols.length, state.length);
    if (sim >= threshold) out.push({ id: p.id, lcs, similarity: sim });
  }
  return out.sort(compareCandidates);
}

/** Options of a random workload. */
export interface WorkloadOptions {
  patterns: number;
  /** Symbols are drawn from 1..vocabulary. */
  vocabulary: number;
  maxPatternLength: number;
  /** First id; ids are dense from here, shuffled. */
  firstId?: number;
}

/** Random patterns with repeated symbols (small vocabularies) and ids in shuffled order. */
export function randomPatterns(rnd: () => number, options: WorkloadOptions): EncodedPattern[] {
  const ids = Array.from({ length: options.patterns }, (_, i) => i + (options.firstId ?? 0));
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.map((id) => {
    const length = Math.floor(rnd() * (options.maxPatternLength + 1));
    return { id, symbols: Int32Array.from({ length }, () => 1 + Math.floor(rnd() * options.vocabulary)) };
  });
}

/**
 * A state of `length` symbols: mostly taken from a pattern (so there are real candidates), the rest
 * random, some unknown (-1).
 */
export function randomState(
  rnd: () => number,
  patterns: readonly EncodedPattern[],
  length: number,
  vocabulary: number,
): Int32Array {
  const source = patterns[Math.floor(rnd() * patterns.length)]?.symbols ?? new Int32Array(0);
  const state = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const r = rnd();
    if (r < 0.05) state[i] = -1;
    else if (r < 0.6 && source.length > 0) state[i] = source[Math.floor((i * source.length) / length)]!;
    else state[i] = 1 + Math.floor(rnd() * vocabulary);
  }
  return state;
}

/**
 * Thresholds that probe the edges: 0 admits everything, 1 only exact matches, and exact similarity
 * values (2/3 as KATO computes it, 0.5) where `>=` must be inclusive.
 */
export const EDGE_THRESHOLDS: readonly number[] = [
  0,
  0.1,
  0.25,
  0.5,
  similarity(2, 3, 3),
  2 / 3,
  0.7,
  0.8,
  0.9,
  1,
];
