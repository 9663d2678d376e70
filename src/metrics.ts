/**
 * The service's Prometheus metrics (prom-client), on a registry of their own so tests and several
 * apps in one process never collide.
 *
 * @module
 */

import client from "prom-client";

/** Every instrument the service updates. */
export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<"method" | "route" | "status">;
  patternsLearned: client.Counter<"node_id">;
  patternsMatched: client.Counter<"node_id">;
  cpuQueryDuration: client.Histogram<"backend">;
  gpuQueryDuration: client.Histogram<string>;
  gpuSyncDuration: client.Histogram<"reason">;
  gpuSyncEvents: client.Counter<"reason" | "outcome">;
  gpuErrors: client.Counter<"error_type">;
  gpuFallbackEvents: client.Counter<string>;
  gpuMemoryBytes: client.Gauge<string>;
  gpuPatternCount: client.Gauge<string>;
  cpuPatternCount: client.Gauge<string>;
  /** Sets where the tier gauges read their values at scrape time. */
  setTierSource(source: () => TierCounts): void;
}

/** Tier sizes read by the gauges when /metrics is scraped. */
export interface TierCounts {
  gpuPatterns: number;
  cpuPatterns: number;
  deviceBytes: number;
}

const QUERY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Creates the registry and its instruments.
 *
 * @example Render the exposition text
 * ```ts
 * import { ok } from "node:assert";
 * import { createMetrics } from "./metrics.ts";
 * const metrics = createMetrics();
 * metrics.patternsLearned.inc({ node_id: "n" });
 * ok((await metrics.registry.metrics()).includes("kato_patterns_learned_total"));
 * ```
 */
export function createMetrics(): Metrics {
  const registry = new client.Registry();
  const registers = [registry];
  let tiers: () => TierCounts = () => ({ gpuPatterns: 0, cpuPatterns: 0, deviceBytes: 0 });
  // Tier gauges read the engine at scrape time instead of being updated on every learn and sync.
  const tierGauge = (name: string, help: string, field: keyof TierCounts) =>
    new client.Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(tiers()[field]);
      },
    });
  return {
    setTierSource: (source) => tiers = source,
    registry,
    httpDuration: new client.Histogram({
      name: "kato_http_request_duration_seconds",
      help: "HTTP request duration by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: QUERY_BUCKETS,
      registers,
    }),
    patternsLearned: new client.Counter({
      name: "kato_patterns_learned_total",
      help: "Patterns stored by learn or auto-learn (re-learns included)",
      labelNames: ["node_id"] as const,
      registers,
    }),
    patternsMatched: new client.Counter({
      name: "kato_patterns_matched_total",
      help: "Candidates returned by the engine over all prediction queries",
      labelNames: ["node_id"] as const,
      registers,
    }),
    cpuQueryDuration: new client.Histogram({
      name: "kato_cpu_query_duration_seconds",
      help: "Duration of prediction queries answered on the CPU side (TypeScript or native CPU backend)",
      labelNames: ["backend"] as const,
      buckets: QUERY_BUCKETS,
      registers,
    }),
    gpuQueryDuration: new client.Histogram({
      name: "kato_gpu_query_duration_seconds",
      help: "Duration of prediction queries answered with the GPU tier",
      buckets: QUERY_BUCKETS,
      registers,
    }),
    gpuSyncDuration: new client.Histogram({
      name: "kato_gpu_sync_duration_seconds",
      help: "Duration of CPU to GPU promotions, by trigger",
      labelNames: ["reason"] as const,
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers,
    }),
    gpuSyncEvents: new client.Counter({
      name: "kato_gpu_sync_events_total",
      help: "Promotions run, by trigger and outcome (ok or failed)",
      labelNames: ["reason", "outcome"] as const,
      registers,
    }),
    gpuErrors: new client.Counter({
      name: "kato_gpu_errors_total",
      help: "GPU tier failures, by error type (the libmatcher status, or open)",
      labelNames: ["error_type"] as const,
      registers,
    }),
    gpuFallbackEvents: new client.Counter({
      name: "kato_gpu_fallback_events_total",
      help: "Times a node's GPU tier was replaced by the CPU side after a failure",
      registers,
    }),
    gpuMemoryBytes: tierGauge(
      "kato_gpu_memory_bytes",
      "Device memory held by the GPU tiers of all nodes",
      "deviceBytes",
    ),
    gpuPatternCount: tierGauge(
      "kato_gpu_pattern_count",
      "Patterns held in the stable (GPU or native) tiers of all nodes",
      "gpuPatterns",
    ),
    cpuPatternCount: tierGauge(
      "kato_cpu_pattern_count",
      "Patterns waiting in the fresh TypeScript tiers of all nodes",
      "cpuPatterns",
    ),
  };
}
