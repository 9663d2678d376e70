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
/**
 * A string SQLite can store as it is: lone UTF-16 surrogates would become U+FFFD on the way in, so
 * two distinct symbols (or node ids) would collide in the store.
 */
const wellFormed = z.string().refine((text) => text.isWellFormed(), "String contains a lone UTF-16 surrogate");
const symbol = wellFormed;

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
  node_id: wellFormed.pipe(z.string().min(1).max(256)),
  metadata: z.record(z.string(), z.unknown()).nullable().default({}),
  ttl_seconds: z.number().int().min(1).max(30 * 86400).nullable().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** The body of `POST /sessions/{id}/config`: `{"config": {...}}` or the keys themselves. */
export const configBodySchema = z.record(z.string(), z.unknown());

/** A TTL given in a query string. */
export const ttlQuerySchema = z.coerce.number().int().min(1).max(30 * 86400);

/** Reads and validates a JSON body; an empty or malformed body is a 422. */
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
  // Deeper values would overflow the stack later (the 422 body that echoes them, the session save).
  if (nestedDeeperThan(raw, MAX_JSON_DEPTH)) {
    throw new ValidationError([{
      type: "json_invalid",
      loc: ["body"],
      msg: `JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
    }]);
  }
  return parseWith(schema, raw, "body");
}

/** How deep a request body may nest arrays and objects. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests deeper than `max` levels, found without recursion.
 *
 * @example Three levels allowed
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { nestedDeeperThan } from "./validation.ts";
 * strictEqual(nestedDeeperThan({ a: [[1]] }, 3), false);
 * strictEqual(nestedDeeperThan({ a: [[[1]]] }, 3), true);
 * ```
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
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
