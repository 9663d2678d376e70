/**
 * `/pattern/{id}` and `/symbols/stats`: read access to a node's long-term memory.
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { KatoService } from "../service/kato_service.ts";
import { NotFoundError } from "../service/errors.ts";

/** KATO's node selection for routes without a session: `?node_id=`, `x-test-id`, `x-node-id`, default. */
export function nodeOf(c: Context): string {
  const query = c.req.query("node_id");
  if (query) return query;
  const testId = c.req.header("x-test-id");
  if (testId) return testId.startsWith("test_") ? testId : `test_${testId}`;
  return c.req.header("x-node-id") || "default_node";
}

/** Builds the pattern and symbol routes. */
export function patternRoutes(service: KatoService): Hono {
  const app = new Hono();

  app.get("/pattern/:id", async (c) => {
    const nodeId = nodeOf(c);
    const id = c.req.param("id");
    const pattern = await service.pattern(nodeId, id);
    if (pattern === null) {
      throw new NotFoundError(`Pattern ${id} not found`, {
        pattern: { status: "error", message: `Pattern ${id} not found` },
        node_id: nodeId,
      });
    }
    return c.json({
      pattern: {
        status: "okay",
        pattern: {
          name: `PTRN|${pattern.name}`,
          pattern_data: pattern.events,
          length: pattern.length,
          frequency: pattern.frequency,
          emotives: pattern.emotives,
          metadata: pattern.metadata,
        },
      },
      node_id: nodeId,
    });
  });

  app.get("/symbols/stats", async (c) => {
    const nodeId = nodeOf(c);
    const stats = await service.store.loadSymbolStats(nodeId);
    const symbols: Record<string, unknown> = {};
    for (const [name, s] of stats) {
      symbols[name] = { name, frequency: s.frequency, pattern_member_frequency: s.patternMemberFrequency };
    }
    return c.json({ symbols, node_id: nodeId });
  });

  return app;
}
