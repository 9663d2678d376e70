/**
 * Seeded synthetic workloads for the benchmarks: patterns with uniform lengths and Zipf-like symbols.
 *
 * @module
 */

/** A deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws symbol ids 1..vocabulary with probability ∝ 1/rank (Zipf, s = 1) by inverting a table. */
export function zipfSampler(vocabulary: number, random: () => number): () => number {
  const cumulative = new Float64Array(vocabulary);
  let total = 0;
  for (let rank = 1; rank <= vocabulary; rank++) cumulative[rank - 1] = total += 1 / rank;
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** Parameters of a workload. */
export interface WorkloadSpec {
  patterns: number;
  minLength: number;
  maxLength: number;
  vocabulary: number;
  seed: number;
}

/** Generates `spec.patterns` symbol-id arrays. */
export function generatePatterns(spec: WorkloadSpec): Int32Array[] {
  const random = prng(spec.seed);
  const symbol = zipfSampler(spec.vocabulary, random);
  return Array.from({ length: spec.patterns }, () => {
    const length = spec.minLength + Math.floor(random() * (spec.maxLength - spec.minLength + 1));
    return Int32Array.from({ length }, symbol);
  });
}

/** A state: a pattern's symbols with some replaced, so queries have real near-matches. */
export function generateState(
  patterns: readonly Int32Array[],
  length: number,
  spec: WorkloadSpec,
  seed: number,
): Int32Array {
  const random = prng(seed);
  const symbol = zipfSampler(spec.vocabulary, random);
  const source = patterns[Math.floor(random() * patterns.length)]!;
  return Int32Array.from({ length }, (_, k) => k < source.length && random() < 0.7 ? source[k]! : symbol());
}

/** Median and percentiles of a list of milliseconds. */
export function summarize(samples: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}
