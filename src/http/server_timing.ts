/**
 * The `Server-Timing` header of `GET /sessions/{id}/predictions`: where a prediction's time went, for
 * browser dev tools, proxies and the benchmark's load generator (which reads it under load instead of
 * guessing from the end-to-end time).
 *
 * @module
 */

import type { PredictionTiming } from "../service/kato_service.ts";

/**
 * Formats a prediction's timing as a `Server-Timing` value (W3C Server Timing): `match` and `predict`
 * durations in ms, and the candidate count as the `candidates` metric's description.
 *
 * @example Three metrics
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { serverTiming } from "./server_timing.ts";
 * strictEqual(
 *   serverTiming({ candidates: 12, matchMs: 0.41234, predictMs: 2.5 }),
 *   'match;dur=0.412, predict;dur=2.500, candidates;desc="12"',
 * );
 * ```
 */
export function serverTiming(timing: PredictionTiming): string {
  return `match;dur=${timing.matchMs.toFixed(3)}, predict;dur=${timing.predictMs.toFixed(3)}, ` +
    `candidates;desc="${timing.candidates}"`;
}
