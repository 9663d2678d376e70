/**
 * `/`, `/health`, `/status` and `/metrics`.
 *
 * @module
 */

import { Hono } from "hono";
import type { Metrics } from "../metrics.ts";
import type { KatoService } from "../service/kato_service.ts";

/** Version reported by `/` and `/status`. */
export const SERVICE_VERSION = "0.1.0";

/** What the system routes report besides the service itself. */
export interface SystemInfo {
  serviceName: string;
  startedAt: number;
  /** Problems that make the service degraded (e.g. a GPU fallback); empty when healthy. */
  issues: () => string[];
}

/** Builds the system routes. */
export function systemRoutes(service: KatoService, metrics: Metrics, info: SystemInfo): Hono {
  const app = new Hono();
  const uptime = () => (Date.now() - info.startedAt) / 1000;

  app.get("/", (c) =>
    c.json({
      service: "KATO API",
      version: SERVICE_VERSION,
      description: "KATO-compatible symbolic pattern learning and prediction with GPU matching",
      docs: "/docs",
      health: "/health",
      status: "running",
      uptime_seconds: uptime(),
      architecture: "modular",
      session_support: true,
    }));

  app.get("/health", (c) => {
    const issues = info.issues();
    return c.json({
      status: issues.length === 0 ? "healthy" : "degraded",
      processor_status: "ok",
      service_name: info.serviceName,
      uptime_seconds: uptime(),
      issues,
      metrics_collected: 0,
      last_collection: Date.now() / 1000,
      active_sessions: service.sessions.counts().active,
      timestamp: new Date().toISOString(),
    });
  });

  app.get("/status", (c) => {
    const counts = service.sessions.counts();
    const nodes = service.engine.nodeIds();
    return c.json({
      status: info.issues().length === 0 ? "healthy" : "degraded",
      base_processor_id: info.serviceName,
      uptime_seconds: uptime(),
      sessions: {
        total_sessions: counts.active + counts.expired,
        active_sessions: counts.active,
        expired_sessions: counts.expired,
        backend: service.store.kind,
      },
      processors: {
        total_processors: nodes.length,
        processors: nodes.map((node) => ({
          node_id: node,
          patterns: service.engine.patternCount(node),
          backend: service.engine.backendOf(node),
        })),
      },
      version: SERVICE_VERSION,
    });
  });

  app.get("/metrics", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  return app;
}
