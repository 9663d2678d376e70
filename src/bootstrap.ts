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
import { createApp } from "./http/app.ts";
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
  /** Releases the engine and closes the store; idempotent. */
  close(): Promise<void>;
}

/** Opens the store, rebuilds the engine from it, restores sessions and builds the app. */
export async function buildService(config: ServiceConfig, log: Logger): Promise<BuiltService> {
  const startedAt = Date.now();
  const store = await openStore({ dataDir: config.dataDir, mongodbUrl: config.mongodbUrl });
  log.info(`Store: ${store.kind} (${config.mongodbUrl ? "MongoDB" : config.dataDir})`);
  const indexes = createIndexFactory(config, log);
  const engine = await Engine.open(store, { createIndex: indexes.create, log: log.info });
  const sessions = new SessionManager(store, {
    defaultTtlSeconds: config.sessionTtlSeconds,
    autoExtend: config.sessionAutoExtend,
  });
  log.info(`Restored ${await sessions.restore()} active sessions`);

  const metrics = createMetrics();
  const service = new KatoService(sessions, engine, store, {
    onLearned: (nodeId) => metrics.patternsLearned.inc({ node_id: nodeId }),
    onPredicted: (nodeId, candidates, seconds, backend) => {
      metrics.patternsMatched.inc({ node_id: nodeId }, candidates);
      if (backend === "cuda") metrics.gpuQueryDuration.observe(seconds);
      else metrics.cpuQueryDuration.observe({ backend }, seconds);
    },
  });
  const app = createApp({
    service,
    metrics,
    info: { serviceName: config.serviceName, startedAt, issues: indexes.issues },
    log: log.error,
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    engine.close();
    await store.close();
  };
  return { app, service, engine, store, sessions, metrics, indexes, close, [Symbol.asyncDispose]: close };
}
