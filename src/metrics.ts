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
  return {
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
  };
}
