/**
 * `/sessions/*`: session lifecycle, observe, learn, STM, predictions and configuration.
 *
 * @module
 */

import { Hono } from "hono";
import type { KatoService } from "../service/kato_service.ts";
import { BadRequestError } from "../service/errors.ts";
import { applyConfigUpdate, defaultSessionConfig, publicConfig } from "../service/session_config.ts";
import type { Session } from "../service/sessions.ts";
import { serverTiming } from "./server_timing.ts";
import {
  configBodySchema,
  createSessionSchema,
  observationSchema,
  parseWith,
  readBody,
  sequenceSchema,
  ttlQuerySchema,
} from "./validation.ts";

/** The JSON shape of a session (KATO's SessionResponse). */
export function sessionResponse(session: Session, now: number): Record<string, unknown> {
  return {
    session_id: session.sessionId,
    node_id: session.nodeId,
    created_at: new Date(session.createdAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
    ttl_seconds: Math.max(0, Math.floor((session.expiresAt - now) / 1000)),
    metadata: session.metadata,
    session_config: publicConfig(session.config),
  };
}

/** Vectors need a vector index this service does not have; say so instead of ignoring them. */
function rejectVectors(observations: { vectors: number[][] }[]): void {
  if (observations.some((o) => o.vectors.length > 0)) {
    throw new BadRequestError("Vectors are not supported by this service: send symbols in 'strings' only");
  }
}

/** Builds the `/sessions` sub-app. */
export function sessionRoutes(service: KatoService): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    const body = await readBody(c, createSessionSchema);
    const config = body.config ? applyConfigUpdate(defaultSessionConfig(), body.config).config : undefined;
    const session = await service.sessions.create(body.node_id, {
      metadata: body.metadata ?? {},
      ttlSeconds: body.ttl_seconds ?? undefined,
      ...(config ? { config } : {}),
    });
    return c.json({ ...sessionResponse(session, Date.now()), ttl_seconds: session.ttlSeconds });
  });

  app.get("/count", (c) => c.json({ active_session_count: service.sessions.counts().active }));

  app.get("/:id", (c) => {
    const id = c.req.param("id");
    const session = service.sessions.peek(id);
    if (session === undefined) return c.json({ detail: `Session ${id} not found or expired` }, 404);
    return c.json(sessionResponse(session, Date.now()));
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    await service.session(id);
    await service.sessions.delete(id);
    return c.json({ status: "deleted", session_id: id });
  });

  app.get("/:id/exists", (c) => {
    const id = c.req.param("id");
    const exists = service.sessions.peek(id) !== undefined;
    return c.json({ exists, expired: service.sessions.isExpired(id), session_id: id });
  });

  app.post("/:id/extend", async (c) => {
    const id = c.req.param("id");
    const ttl = parseWith(ttlQuerySchema, c.req.query("ttl_seconds") ?? "3600", "query");
    await service.sessions.withLock(id, async () => service.sessions.extend(await service.session(id), ttl));
    return c.json({ status: "extended", session_id: id, ttl_seconds: ttl });
  });

  app.get("/:id/config", async (c) => {
    const session = await service.session(c.req.param("id"));
    return c.json({ session_id: session.sessionId, config: publicConfig(session.config) });
  });

  app.post("/:id/config", async (c) => {
    const id = c.req.param("id");
    await service.session(id);
    const body = await readBody(c, configBodySchema);
    const changes = typeof body.config === "object" && body.config !== null && !Array.isArray(body.config)
      ? body.config as Record<string, unknown>
      : body;
    const update = await service.mutate(id, (session) => {
      const result = applyConfigUpdate(session.config, changes);
      session.config = result.config;
      return Promise.resolve(result);
    });
    return c.json({
      status: "okay",
      message: "Configuration updated",
      session_id: id,
      inert_keys: update.inertKeys,
      ignored_keys: update.ignoredKeys,
    });
  });

  app.post("/:id/observe", async (c) => {
    const id = c.req.param("id");
    await service.session(id);
    const observation = await readBody(c, observationSchema);
    rejectVectors([observation]);
    const { session, autoLearned } = await service.observe(id, observation);
    return c.json({
      status: "okay",
      session_id: id,
      processor_id: session.nodeId,
      stm_length: session.stm.length,
      time: session.time,
      unique_id: `obs-${crypto.randomUUID().replaceAll("-", "")}`,
      auto_learned_pattern: autoLearned,
    });
  });

  app.post("/:id/observe-sequence", async (c) => {
    const id = c.req.param("id");
    await service.session(id);
    const body = await readBody(c, sequenceSchema);
    rejectVectors(body.observations);
    const out = await service.observeSequence(id, body.observations, body);
    return c.json({
      status: "completed",
      processor_id: out.session.nodeId,
      observations_processed: out.results.length,
      initial_stm_length: out.initialStmLength,
      final_stm_length: out.session.stm.length,
      results: out.results,
      auto_learned_patterns: out.learned,
      final_learned_pattern: out.finalLearned,
      isolated: body.clear_stm_between,
    });
  });

  app.post("/:id/learn", async (c) => {
    const id = c.req.param("id");
    const { name, events } = await service.learn(id);
    return c.json({
      status: "learned",
      pattern_name: name,
      session_id: id,
      processor_id: null,
      message: name === ""
        ? `Nothing learned from ${events} events: a pattern needs at least 2 symbols`
        : `Learned pattern ${name} from ${events} events`,
    });
  });

  app.get("/:id/stm", async (c) => {
    const session = await service.session(c.req.param("id"));
    return c.json({ stm: session.stm, session_id: session.sessionId, length: session.stm.length });
  });

  app.post("/:id/clear-stm", async (c) => {
    const session = await service.clearStm(c.req.param("id"));
    return c.json({ status: "cleared", session_id: session.sessionId });
  });

  app.post("/:id/clear-all", async (c) => {
    const session = await service.clearAll(c.req.param("id"));
    return c.json({ status: "cleared", session_id: session.sessionId, scope: "all" });
  });

  app.get("/:id/predictions", async (c) => {
    const result = await service.predictions(c.req.param("id"));
    c.header("Server-Timing", serverTiming(result.timing));
    return c.json({
      predictions: result.predictions,
      future_potentials: result.future_potentials,
      session_id: result.session.sessionId,
      processor_id: null,
      count: result.predictions.length,
      time: null,
      unique_id: null,
    });
  });

  app.post("/:id/finalize-training", async (c) => {
    const { session, processed, ms } = await service.finalizeTraining(c.req.param("id"));
    return c.json({
      status: "completed",
      patterns_processed: processed,
      time_ms: ms,
      session_id: session.sessionId,
      node_id: session.nodeId,
      message: `Precomputed whole-pattern metrics for ${processed} patterns`,
    });
  });

  return app;
}
