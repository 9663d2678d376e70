/**
 * Builds the whole service from a configuration: store → engine → sessions → service → app.
 * `main.ts` serves the result; tests build it on a temporary data directory.
 *
 * @module
 */

import type { Hono } from "hono";
import type { ServiceConfig } from "./config.ts";
import { Engine } from "./engine/engine.ts";
import { createIndexFactory, type IndexFactory } from "./engine/index_factory.ts";
import { nativePrescorer } from "./engine/native/prescore.ts";
import { SyncManager } from "./engine/sync.ts";
import { tierSummary } from "./http/gpu_routes.ts";
import { createApp } from "./http/app.ts";
import { KeyRing } from "./http/api_keys.ts";
import type { Logger } from "./log.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { KatoService } from "./service/kato_service.ts";
import { SessionManager } from "./service/sessions.ts";
import { openStore } from "./store/mod.ts";
import type { PatternStore } from "./store/types.ts";

/** A built service and the parts tests and `main.ts` reach into. */
export interface BuiltService extends AsyncDisposable {
  app: Hono;
  service: KatoService;
  engine: Engine;
  store: PatternStore;
  sessions: SessionManager;
  metrics: Metrics;
  indexes: IndexFactory;
  sync: SyncManager;
  /** Releases the engine and closes the store; idempotent. */
  close(): Promise<void>;
}

/** Seams of {@linkcode buildService} beyond the configuration. */
export interface BuildOptions {
  /** Decorates the opened store before anything uses it (the fault tests inject failures here). */
  wrapStore?: (store: PatternStore) => PatternStore;
}

/** Opens the store, rebuilds the engine from it, restores sessions and builds the app. */
export async function buildService(
  config: ServiceConfig,
  log: Logger,
  options: BuildOptions = {},
): Promise<BuiltService> {
  const startedAt = Date.now();
  const keys = await KeyRing.load(config);
  log.info(keys.enabled ? `Access control: on, ${keys.size} API keys` : "Access control: off (no API keys configured)");
  const opened = await openStore({
    dataDir: config.dataDir,
    mongodbUrl: config.mongodbUrl,
    sqlite: { busyTimeoutMs: config.storeBusyTimeoutMs },
    mongodb: { serviceName: config.serviceName },
  });
  const store = options.wrapStore?.(opened) ?? opened;
  log.info(`Store: ${store.kind} (${config.mongodbUrl ? "MongoDB" : config.dataDir})`);
  const metrics = createMetrics();
  const indexes = createIndexFactory(config, log, {
    onFault: (errorType) => metrics.gpuErrors.inc({ error_type: errorType }),
    onFallback: () => metrics.gpuFallbackEvents.inc(),
  });
  const prescore = config.nativeEnabled ? nativePrescorer() : undefined;
  const engine = await Engine.open(store, {
    createIndex: indexes.create,
    log: log.info,
    loadWorkers: config.loadWorkers,
    ...(prescore === undefined ? {} : { prescore }),
  });
  const sync = new SyncManager(engine, {
    threshold: config.syncThreshold,
    cronIntervalMinutes: config.syncIntervalMinutes,
    trainingMode: false,
  }, {
    onSync: (report) => {
      const failed = Object.keys(report.errors).length > 0;
      metrics.gpuSyncEvents.inc({ reason: report.reason, outcome: failed ? "failed" : "ok" });
      metrics.gpuSyncDuration.observe({ reason: report.reason }, report.durationMs / 1000);
      if (failed) log.warn(`GPU sync (${report.reason}) failed for ${Object.keys(report.errors).join(", ")}`);
    },
  });
  // Patterns loaded at start are stable: promote them at once so queries run on the stable tier.
  const initial = await sync.syncAll("training");
  if (Object.keys(initial.promoted).length > 0) {
    log.info(`Promoted loaded patterns to the ${indexes.stableBackend} tier in ${initial.durationMs.toFixed(0)} ms`);
  }
  const sessions = new SessionManager(store, {
    defaultTtlSeconds: config.sessionTtlSeconds,
    autoExtend: config.sessionAutoExtend,
    limits: config.limits,
  });
  log.info(`Restored ${await sessions.restore()} active sessions`);

  const service = new KatoService(sessions, engine, store, {
    onLearned: (nodeId) => {
      metrics.patternsLearned.inc({ node_id: nodeId });
      // Promotion runs after the response; a learn never waits for a device upload.
      sync.afterLearn(nodeId).catch((error) => log.error(`GPU sync after learn failed: ${error}`));
    },
    onFinalized: () => sync.syncAll("training").then(() => {}),
    onPredicted: (nodeId, candidates, seconds, backend) => {
      metrics.patternsMatched.inc({ node_id: nodeId }, candidates);
      if (backend.startsWith("cuda")) metrics.gpuQueryDuration.observe(seconds);
      else metrics.cpuQueryDuration.observe({ backend }, seconds);
    },
  }, config.limits);
  const app = createApp({
    service,
    metrics,
    gpu: { engine, sync, indexes },
    info: { serviceName: config.serviceName, startedAt, issues: () => tierSummary(engine).degraded },
    log: log.error,
    access: { keys, metricsPublic: config.metricsPublic },
    limits: config.limits,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    engine.close();
    // Slid session expiries are persisted lazily; a failed flush costs sessions minutes of TTL, not data.
    await sessions.flush().catch((error) => log.warn(`Cannot persist session expiries: ${error}`));
    await store.close();
  };
  metrics.setTierSource(() => {
    const summary = tierSummary(engine);
    return {
      gpuPatterns: summary.stablePatterns,
      cpuPatterns: summary.freshPatterns,
      deviceBytes: summary.deviceBytes,
    };
  });
  return { app, service, engine, store, sessions, metrics, indexes, sync, close, [Symbol.asyncDispose]: close };
}
