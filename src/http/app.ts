/**
 * `createApp(deps)`: the Hono app, built from injected parts.
 *
 * @module
 */

import { Hono } from "hono";
import type { Metrics } from "../metrics.ts";
import type { KatoService } from "../service/kato_service.ts";
import { DEFAULT_LIMITS, type Limits } from "../service/limits.ts";
import { KeyRing } from "./api_keys.ts";
import { accessControl, requireAdmin } from "./auth.ts";
import { errorResponse } from "./errors.ts";
import { type GpuDeps, gpuRoutes } from "./gpu_routes.ts";
import { patternRoutes } from "./pattern_routes.ts";
import { sessionRoutes } from "./session_routes.ts";
import { limitBody, limitObservations } from "./limits.ts";
import { type SystemInfo, systemRoutes } from "./system_routes.ts";

/** What the app is built from. */
export interface AppDeps {
  service: KatoService;
  metrics: Metrics;
  info: SystemInfo;
  gpu: GpuDeps;
  log: (message: string) => void;
  /** API keys and whether `/metrics` is public; access control is off when left out. */
  access?: { keys: KeyRing; metricsPublic: boolean };
  /** Request limits; DEFAULT_LIMITS when left out. */
  limits?: Limits;
}

/**
 * Builds the app. Tests call `app.request()` on it; `main.ts` hands `app.fetch` to `Deno.serve`.
 */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use(async function measureRequest(c, next) {
    const started = performance.now();
    await next();
    // The matched route pattern, not the raw path, keeps the label set bounded.
    deps.metrics.httpDuration.observe(
      { method: c.req.method, route: c.req.routePath || "unmatched", status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });

  const limits = deps.limits ?? DEFAULT_LIMITS;
  const keys = deps.access?.keys ?? KeyRing.disabled();
  // Order matters: the body limit wraps the body before access control may read it (POST /sessions).
  app.use(limitBody(limits.maxBodyBytes));
  app.use(accessControl({
    keys,
    metricsPublic: deps.access?.metricsPublic ?? true,
    nodeOfSession: (id) => deps.service.sessions.peek(id)?.nodeId,
  }));
  // Independent of the rule table, so any route mounted under /gpu, now or later, needs an admin key.
  app.use("/gpu/*", requireAdmin(keys));
  app.use("/sessions/:id/observe", limitObservations(limits, false));
  app.use("/sessions/:id/observe-sequence", limitObservations(limits, true));

  app.route("/sessions", sessionRoutes(deps.service));
  app.route("/gpu", gpuRoutes(deps.gpu));
  app.route("/", patternRoutes(deps.service));
  app.route("/", systemRoutes(deps.service, deps.metrics, deps.info));

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  app.onError((error, c) => errorResponse(error, c, deps.log));
  return app;
}
