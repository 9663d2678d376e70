/**
 * Request limits as middleware: body size, and the size of observations before they reach the
 * service. A request over a limit gets 413 `{"detail": …}` naming the limit and its variable, and
 * nothing of it is applied. Malformed bodies pass on untouched: the route answers 422 for them.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { LimitExceededError, type Limits, utf8Length } from "../service/limits.ts";

/**
 * Caps request bodies at `maxBytes`: a larger Content-Length is refused at once, and bytes are
 * counted as they are read, so a body without a length (chunked) or with a false one is cut off
 * too. The body is not read here; a route that never reads its body never pays for it.
 *
 * @example An 8-byte limit
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { Hono } from "hono";
 * import { limitBody } from "./limits.ts";
 * import { LimitExceededError } from "../service/limits.ts";
 *
 * const app = new Hono();
 * app.use(limitBody(8));
 * app.post("/", async (c) => c.text(await c.req.text()));
 * app.onError((e, c) => c.json({ detail: e.message }, e instanceof LimitExceededError ? e.status : 500));
 * strictEqual((await app.request("/", { method: "POST", body: "12345678" })).status, 200);
 * strictEqual((await app.request("/", { method: "POST", body: "123456789" })).status, 413);
 * ```
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const tooLarge = () =>
    new LimitExceededError(413, `Request body too large: more than ${maxBytes} bytes (MAX_BODY_BYTES)`);
  return async function limitBody(c, next) {
    const raw = c.req.raw;
    // GET and HEAD bodies are never read, and a Request with one cannot be rebuilt.
    if (raw.body === null || raw.method === "GET" || raw.method === "HEAD") return await next();
    const declared = Number(raw.headers.get("content-length") ?? NaN);
    if (declared > maxBytes) throw tooLarge();
    let seen = 0;
    const counted = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxBytes) controller.error(tooLarge());
          else controller.enqueue(chunk);
        },
      }),
    );
    // Not `new Request(raw, …)`: copying raw.signal opts into Deno.serve's legacy abort behaviour.
    c.req.raw = new Request(raw.url, {
      method: raw.method,
      headers: raw.headers,
      body: counted,
      duplex: "half",
    } as RequestInit);
    await next();
  };
}

/**
 * Checks `POST /sessions/{id}/observe` bodies (`sequence` false) or observe-sequence bodies
 * (`sequence` true) against the observation limits.
 *
 * @example Two symbols per observation
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { Hono } from "hono";
 * import { limitObservations } from "./limits.ts";
 * import { DEFAULT_LIMITS, LimitExceededError } from "../service/limits.ts";
 *
 * const app = new Hono();
 * app.post("/observe", limitObservations({ ...DEFAULT_LIMITS, maxSymbolsPerObservation: 2 }, false), (c) => c.json({}));
 * app.onError((e, c) => c.json({ detail: e.message }, e instanceof LimitExceededError ? e.status : 500));
 * const observe = (strings: string[]) => app.request("/observe", { method: "POST", body: JSON.stringify({ strings }) });
 * strictEqual((await observe(["a", "b"])).status, 200);
 * strictEqual((await observe(["a", "b", "c"])).status, 413);
 * ```
 */
export function limitObservations(limits: Limits, sequence: boolean): MiddlewareHandler {
  return async function limitObservations(c, next) {
    const body = await jsonBody(c);
    if (sequence) {
      const observations = (body as { observations?: unknown } | null)?.observations;
      if (Array.isArray(observations)) {
        if (observations.length > limits.maxSequenceObservations) {
          throw new LimitExceededError(
            413,
            `Cannot observe: ${observations.length} observations in one sequence, at most ${limits.maxSequenceObservations} (MAX_SEQUENCE_OBSERVATIONS)`,
          );
        }
        observations.forEach((observation, i) => checkObservation(observation, limits, `observations[${i}]`));
      }
    } else {
      checkObservation(body, limits, "observation");
    }
    await next();
  };
}

/** The parsed JSON body, or undefined when it is not JSON (the route reports that). */
async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function checkObservation(observation: unknown, limits: Limits, where: string): void {
  if (typeof observation !== "object" || observation === null) return;
  const { strings, emotives, metadata } = observation as Record<string, unknown>;
  if (Array.isArray(strings)) {
    if (strings.length > limits.maxSymbolsPerObservation) {
      throw new LimitExceededError(
        413,
        `Cannot observe: ${where} has ${strings.length} symbols, at most ${limits.maxSymbolsPerObservation} (MAX_SYMBOLS_PER_OBSERVATION)`,
      );
    }
    for (const symbol of strings) {
      if (
        typeof symbol === "string" && symbol.length > limits.maxSymbolBytes / 3 &&
        utf8Length(symbol) > limits.maxSymbolBytes
      ) {
        throw new LimitExceededError(
          413,
          `Cannot observe: ${where} has a symbol of ${
            utf8Length(symbol)
          } bytes, at most ${limits.maxSymbolBytes} (MAX_SYMBOL_BYTES)`,
        );
      }
    }
  }
  const bytes = jsonSize(emotives, limits.maxMetadataBytes) + jsonSize(metadata, limits.maxMetadataBytes);
  if (bytes > limits.maxMetadataBytes) {
    throw new LimitExceededError(
      413,
      `Cannot observe: ${where} has more than ${limits.maxMetadataBytes} bytes of emotives and metadata (MAX_METADATA_BYTES)`,
    );
  }
}

/**
 * An upper estimate of the JSON size of a parsed value, walked without recursion (so any nesting
 * depth is safe) and abandoned once past `cap`.
 */
function jsonSize(value: unknown, cap: number): number {
  if (value === undefined) return 0;
  const pending: unknown[] = [value];
  let size = 0;
  while (pending.length > 0 && size <= cap) {
    const item = pending.pop();
    if (typeof item === "string") size += utf8Length(item) + 2;
    else if (Array.isArray(item)) {
      size += 2 + item.length;
      for (const child of item) pending.push(child);
    } else if (typeof item === "object" && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        size += utf8Length(key) + 4;
        pending.push(child);
      }
      size += 2;
    } else size += String(item).length;
  }
  return size;
}
