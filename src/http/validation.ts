/**
 * Request bodies and their schemas; failures become FastAPI-shaped 422 bodies, as KATO returns them.
 *
 * @module
 */

import type { Context } from "hono";
import { z } from "zod";

/** A request that failed validation: `{"detail":[{type, loc, msg, input}]}` with status 422. */
export class ValidationError extends Error {
  readonly detail: { type: string; loc: (string | number)[]; msg: string; input?: unknown }[];
  constructor(detail: ValidationError["detail"]) {
    super(`Cannot validate request: ${detail.map((d) => `${d.loc.join(".")}: ${d.msg}`).join("; ")}`);
    this.name = "ValidationError";
    this.detail = detail;
  }
}

const finite = z.number().finite();
const symbol = z.string();

/** The body of observe, and each item of observe-sequence. */
export const observationSchema = z.object({
  strings: z.array(symbol).default([]),
  vectors: z.array(z.array(finite)).default([]),
  emotives: z.record(z.string(), finite).default({}),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

/** The body of observe-sequence. */
export const sequenceSchema = z.object({
  observations: z.array(observationSchema.extend({ unique_id: z.string().optional() })),
  learn_after_each: z.boolean().default(false),
  learn_at_end: z.boolean().default(false),
  clear_stm_between: z.boolean().default(false),
});

/** The body of `POST /sessions`. */
export const createSessionSchema = z.object({
  node_id: z.string().min(1).max(256),
  metadata: z.record(z.string(), z.unknown()).nullable().default({}),
  ttl_seconds: z.number().int().min(1).max(30 * 86400).nullable().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** The body of `POST /sessions/{id}/config`: `{"config": {...}}` or the keys themselves. */
export const configBodySchema = z.record(z.string(), z.unknown());

/** A TTL given in a query string. */
export const ttlQuerySchema = z.coerce.number().int().min(1).max(30 * 86400);

/**
 * Reads and validates a JSON body. An empty body validates as `{}` when `emptyAsObject` is set
 * (KATO's learn-like routes accept no body).
 */
export async function readBody<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  let raw: unknown;
  try {
    raw = text.trim() === "" ? undefined : JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{
      type: "json_invalid",
      loc: ["body"],
      msg: `JSON decode error: ${(error as Error).message}`,
    }]);
  }
  if (raw === undefined) throw new ValidationError([{ type: "missing", loc: ["body"], msg: "Field required" }]);
  return parseWith(schema, raw, "body");
}

/** Validates `value` with `schema`, throwing ValidationError located under `root`. */
export function parseWith<T extends z.ZodTypeAny>(schema: T, value: unknown, root: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.slice(0, 20).map((issue) => ({
      type: issue.code,
      loc: [root, ...issue.path],
      msg: issue.message,
      input: issue.path.reduce<unknown>(
        (node, key) => (node as Record<string | number, unknown> | undefined)?.[key],
        value,
      ),
    })),
  );
}
