/**
 * Percentiles of timing samples, the one summary every benchmark row uses.
 *
 * @module
 */

/** Nearest-rank percentiles and the mean of a list of milliseconds, rounded to the microsecond. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Summarises samples (nearest rank: the value below which `q` of the samples fall).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { percentiles } from "./_stats.ts";
 * const summary = percentiles(Array.from({ length: 100 }, (_, i) => i + 1));
 * strictEqual(summary.p50, 50);
 * strictEqual(summary.p99, 99);
 * strictEqual(summary.max, 100);
 * ```
 */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    n: sorted.length,
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    mean: round(mean),
    max: round(sorted[sorted.length - 1]!),
  };
}
