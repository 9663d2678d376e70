/**
 * `/gpu/*`: the GPU tier's status, its sync settings and manual promotion.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import type { Engine } from "../engine/engine.ts";
import type { IndexFactory } from "../engine/index_factory.ts";
import { NativeIndex } from "../engine/native/mod.ts";
import type { SyncManager, SyncReport } from "../engine/sync.ts";
import { readBody } from "./validation.ts";

/** The body of `POST /gpu/config`; every field optional. */
const gpuConfigSchema = z.object({
  sync_threshold: z.number().int().min(1).max(10_000_000).optional(),
  cron_interval_minutes: z.number().int().min(1).max(24 * 60).optional(),
  training_mode: z.boolean().optional(),
}).strict();

/** What the GPU routes need. */
export interface GpuDeps {
  engine: Engine;
  sync: SyncManager;
  indexes: IndexFactory;
}

/** A sync report in the API's snake_case. */
export function syncReportJson(report: SyncReport | undefined): Record<string, unknown> | null {
  if (report === undefined) return null;
  return {
    reason: report.reason,
    at: new Date(report.at).toISOString(),
    duration_ms: report.durationMs,
    promoted: report.promoted,
    promoted_total: Object.values(report.promoted).reduce((a, b) => a + b, 0),
    errors: report.errors,
    recovered: report.recovered,
  };
}

/** Tier sizes and device use of every node, for `/gpu/status` and the gauges. */
export function tierSummary(engine: Engine): {
  nodes: Record<string, unknown>[];
  stablePatterns: number;
  freshPatterns: number;
  deviceBytes: number;
  degraded: string[];
} {
  const nodes = [];
  let stablePatterns = 0;
  let freshPatterns = 0;
  let deviceBytes = 0;
  const degraded = [];
  for (const nodeId of engine.nodeIds()) {
    const hybrid = engine.hybridOf(nodeId);
    if (hybrid === undefined) {
      const count = engine.patternCount(nodeId);
      freshPatterns += count;
      nodes.push({ node_id: nodeId, stable_backend: "ts", gpu_patterns: 0, cpu_patterns: count, fallback: null });
      continue;
    }
    stablePatterns += hybrid.stableSize;
    freshPatterns += hybrid.freshSize;
    deviceBytes += hybrid.deviceBytes;
    if (hybrid.degraded !== undefined) degraded.push(`node ${nodeId}: ${hybrid.degraded}`);
    nodes.push({
      node_id: nodeId,
      stable_backend: hybrid.stableBackend,
      gpu_patterns: hybrid.stableSize,
      cpu_patterns: hybrid.freshSize,
      device_bytes: hybrid.deviceBytes,
      fallback: hybrid.degraded ?? null,
    });
  }
  return { nodes, stablePatterns, freshPatterns, deviceBytes, degraded };
}

/** Builds the `/gpu` sub-app. */
export function gpuRoutes(deps: GpuDeps): Hono {
  const app = new Hono();

  app.get("/status", (c) => {
    const summary = tierSummary(deps.engine);
    const settings = deps.sync.settings;
    return c.json({
      backend: deps.indexes.stableBackend,
      engine: deps.indexes.describe(),
      reason: deps.indexes.reason || null,
      device: deviceInfo(deps.indexes.stableBackend),
      gpu_patterns: summary.stablePatterns,
      cpu_patterns: summary.freshPatterns,
      device_memory_used_bytes: summary.deviceBytes,
      nodes: summary.nodes,
      training_mode: settings.trainingMode,
      sync_threshold: settings.threshold,
      cron_interval_minutes: settings.cronIntervalMinutes,
      last_sync: syncReportJson(deps.sync.last),
      fallback: summary.degraded.length > 0,
      fallback_reasons: summary.degraded,
    });
  });

  app.get("/config", (c) => c.json(configJson(deps.sync)));

  app.post("/config", async (c) => {
    const body = await readBody(c, gpuConfigSchema);
    const report = await deps.sync.configure({
      ...(body.sync_threshold !== undefined ? { threshold: body.sync_threshold } : {}),
      ...(body.cron_interval_minutes !== undefined ? { cronIntervalMinutes: body.cron_interval_minutes } : {}),
      ...(body.training_mode !== undefined ? { trainingMode: body.training_mode } : {}),
    });
    return c.json({ status: "okay", config: configJson(deps.sync), sync: syncReportJson(report) });
  });

  app.post("/sync", async (c) => {
    const report = await deps.sync.syncAll("manual");
    return c.json({ status: "completed", ...syncReportJson(report) });
  });

  return app;
}

function configJson(sync: SyncManager): Record<string, unknown> {
  const settings = sync.settings;
  return {
    sync_threshold: settings.threshold,
    cron_interval_minutes: settings.cronIntervalMinutes,
    training_mode: settings.trainingMode,
  };
}

/** Device name and memory as the library reports them; a throwaway index reads them. */
function deviceInfo(backend: string): Record<string, unknown> | null {
  if (backend !== "cuda") return null;
  try {
    using probe = NativeIndex.open("cuda");
    const stats = probe.stats();
    return { name: stats.deviceName, ordinal: stats.device };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
