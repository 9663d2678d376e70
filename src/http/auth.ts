/**
 * Access control middleware: `Authorization: Bearer <key>` checked against the key ring, then the
 * route's rule (`./access_rules.ts`): node scope, read-only keys, admin routes. Off when the ring is
 * disabled. Denials are `{"detail": …}` with 401 (no or unknown key) or 403 (key not allowed);
 * neither the key nor anything of the request body is logged or echoed.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { RouterRoute } from "hono/types";
import type { AccessRule } from "./access_rules.ts";
import { ruleFor } from "./access_rules.ts";
import type { ApiKey, KeyRing } from "./api_keys.ts";
import { nodeOf } from "./pattern_routes.ts";

/** The context variables set by {@linkcode accessControl}. */
export type AuthEnv = { Variables: { apiKey: ApiKey } };

/** What {@linkcode accessControl} checks against. */
export interface AccessOptions {
  keys: KeyRing;
  /** Whether `/metrics` is served without a key. */
  metricsPublic: boolean;
  /** The node of an active session, or undefined when it is unknown or expired. */
  nodeOfSession: (sessionId: string) => string | undefined;
}

/**
 * Authenticates and authorizes every request by the rule of the route it will reach. An unknown
 * path still needs a valid key (then gets its 404); a route with no rule is refused.
 *
 * @example A key scoped to one node
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { Hono } from "hono";
 * import { hashApiKey, KeyRing } from "./api_keys.ts";
 * import { accessControl } from "./auth.ts";
 *
 * const keys = KeyRing.parse(`a ${hashApiKey("key-a")} read node-a`, "example");
 * const app = new Hono();
 * app.use(accessControl({ keys, metricsPublic: true, nodeOfSession: () => undefined }));
 * app.get("/symbols/stats", (c) => c.json({}));
 * const get = (path: string, key?: string) =>
 *   app.request(path, key ? { headers: { authorization: `Bearer ${key}` } } : {});
 * strictEqual((await get("/symbols/stats?node_id=node-a")).status, 401);
 * strictEqual((await get("/symbols/stats?node_id=node-a", "key-a")).status, 200);
 * strictEqual((await get("/symbols/stats?node_id=node-b", "key-a")).status, 403);
 * ```
 */
export function accessControl(options: AccessOptions): MiddlewareHandler<AuthEnv> {
  return async function accessControl(c, next) {
    if (!options.keys.enabled) return await next();
    const endpoint = endpointOf(c);
    const rule = endpoint === undefined ? undefined : ruleFor(endpoint.route.method, endpoint.route.path);
    if (rule?.access === "public" || (rule?.access === "metrics" && options.metricsPublic)) return await next();
    const key = authenticate(c, options.keys);
    if (key === undefined) return unauthorized(c);
    c.set("apiKey", key);
    // An unknown path: authenticated callers learn that it does not exist, others learned nothing.
    if (endpoint === undefined) return await next();
    if (rule === undefined) return forbidden(c, "Forbidden: no access rule covers this route");
    const denial = await deny(rule, key, c, endpoint.index, options);
    if (denial !== undefined) return forbidden(c, denial);
    await next();
  };
}

/**
 * Refuses every request without an admin key while access control is on: the guard of `/gpu/*`.
 * It stands on its own, so a route mounted under it is protected even if no rule names it.
 *
 * @example Only admin keys reach /gpu
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { Hono } from "hono";
 * import { hashApiKey, KeyRing } from "./api_keys.ts";
 * import { requireAdmin } from "./auth.ts";
 *
 * const keys = KeyRing.parse(`w ${hashApiKey("w")} write *\nops ${hashApiKey("ops")} admin *`, "example");
 * const app = new Hono();
 * app.use("/gpu/*", requireAdmin(keys));
 * app.post("/gpu/sync", (c) => c.json({}));
 * const sync = (key: string) => app.request("/gpu/sync", { method: "POST", headers: { authorization: `Bearer ${key}` } });
 * strictEqual((await sync("w")).status, 403);
 * strictEqual((await sync("ops")).status, 200);
 * ```
 */
export function requireAdmin(keys: KeyRing): MiddlewareHandler<AuthEnv> {
  return async function requireAdmin(c, next) {
    if (!keys.enabled) return await next();
    const key = c.get("apiKey") ?? authenticate(c, keys);
    if (key === undefined) return unauthorized(c);
    if (key.role !== "admin") return forbidden(c, "Forbidden: this route needs an admin key");
    await next();
  };
}

/** The key of a well-formed `Authorization: Bearer` header, or undefined. */
function authenticate(c: Context, keys: KeyRing): ApiKey | undefined {
  const header = c.req.header("authorization");
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  return match === null ? undefined : keys.verify(match[1]!);
}

function unauthorized(c: Context): Response {
  c.header("WWW-Authenticate", 'Bearer realm="kato"');
  return c.json({ detail: "Unauthorized: send a valid API key as 'Authorization: Bearer <key>'" }, 401);
}

function forbidden(c: Context, detail: string): Response {
  return c.json({ detail }, 403);
}

/**
 * The handler the request will reach: the first matched route registered with a method (middleware
 * is registered for ALL). Hono matches every route before running any, so this is known up front.
 */
function endpointOf(c: Context): { route: RouterRoute; index: number } | undefined {
  const routes = matchedRoutes(c);
  const index = routes.findIndex((route) => route.method !== "ALL");
  return index === -1 ? undefined : { route: routes[index]!, index };
}

/** Why `key` may not use the route, or undefined when it may. */
async function deny(
  rule: AccessRule,
  key: ApiKey,
  c: Context,
  endpointIndex: number,
  options: AccessOptions,
): Promise<string | undefined> {
  switch (rule.access) {
    case "public":
    case "any-key":
      return undefined;
    case "admin":
      return key.role === "admin" ? undefined : "Forbidden: this route needs an admin key";
    case "metrics":
    case "all-nodes":
      return key.nodes === undefined ? undefined : "Forbidden: this route needs a key for every node";
    case "node": {
      if (rule.write && key.role === "read") return "Forbidden: this API key is read-only";
      if (key.nodes === undefined) return undefined;
      const node = await nodeOfRequest(rule.node, c, endpointIndex, options);
      // An unknown session or an unreadable body passes on: the route answers 404 or 422 for it.
      if (node === undefined || key.nodes.has(node)) return undefined;
      return rule.node === "session"
        ? "Forbidden: this API key may not use this session's node"
        : "Forbidden: this API key may not use this node";
    }
  }
}

async function nodeOfRequest(
  source: "session" | "body" | "query",
  c: Context,
  endpointIndex: number,
  options: AccessOptions,
): Promise<string | undefined> {
  switch (source) {
    case "query":
      return nodeOf(c);
    case "session": {
      const id = endpointParam(c, endpointIndex, "id");
      return id === undefined ? undefined : options.nodeOfSession(id);
    }
    case "body": {
      // Hono caches the text, so the route reads the same bytes; the body limit applies to both.
      const text = await c.req.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return undefined;
      }
      const node = (body as { node_id?: unknown } | null)?.node_id;
      return typeof node === "string" ? node : undefined;
    }
  }
}

/**
 * A path parameter as the endpoint's handler will see it: read through Hono's own decoding with the
 * endpoint's match, so the session checked is exactly the session the handler uses.
 */
function endpointParam(c: Context, endpointIndex: number, name: string): string | undefined {
  const own = c.req.routeIndex;
  c.req.routeIndex = endpointIndex;
  try {
    return c.req.param(name);
  } finally {
    c.req.routeIndex = own;
  }
}
