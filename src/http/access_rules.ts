/**
 * Who may call which route: one rule per route of the app, keyed by method and route pattern as
 * Hono registers them. A route without a rule is refused (403) while access control is on, and
 * `tests/http_auth_test.ts` fails for it, so a new route cannot be served unprotected by accident.
 *
 * @module
 */

/** Where a route's node comes from. */
export type NodeSource =
  /** The node of the session named by the `:id` parameter. */
  | "session"
  /** `node_id` of the JSON body (`POST /sessions`). */
  | "body"
  /** KATO's node selection: `?node_id=`, `x-test-id`, `x-node-id`, or `default_node`. */
  | "query";

/** What a route requires. */
export type AccessRule =
  /** No key: liveness probes. */
  | { access: "public" }
  /** No key when METRICS_PUBLIC is true, else a key for every node. */
  | { access: "metrics" }
  /** Any valid key: the route shows nothing of any node. */
  | { access: "any-key" }
  /** A key for every node: the route lists nodes. */
  | { access: "all-nodes" }
  /** A key for the route's node; `write` routes refuse read-only keys. */
  | { access: "node"; node: NodeSource; write: boolean }
  /** An admin key. */
  | { access: "admin" };

const read = (node: NodeSource): AccessRule => ({ access: "node", node, write: false });
const write = (node: NodeSource): AccessRule => ({ access: "node", node, write: true });

/**
 * Rules by `"<METHOD> <route pattern>"`.
 *
 * @example Session routes take their node from the session
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { ROUTE_RULES } from "./access_rules.ts";
 * deepStrictEqual(ROUTE_RULES["POST /sessions/:id/learn"], { access: "node", node: "session", write: true });
 * ```
 */
export const ROUTE_RULES: Readonly<Record<string, AccessRule>> = {
  "GET /": { access: "any-key" },
  "GET /health": { access: "public" },
  "GET /status": { access: "all-nodes" },
  "GET /metrics": { access: "metrics" },
  "POST /sessions": write("body"),
  "GET /sessions/count": { access: "any-key" },
  "GET /sessions/:id": read("session"),
  "DELETE /sessions/:id": write("session"),
  "GET /sessions/:id/exists": read("session"),
  "POST /sessions/:id/extend": write("session"),
  "GET /sessions/:id/config": read("session"),
  "POST /sessions/:id/config": write("session"),
  "POST /sessions/:id/observe": write("session"),
  "POST /sessions/:id/observe-sequence": write("session"),
  "POST /sessions/:id/learn": write("session"),
  "GET /sessions/:id/stm": read("session"),
  "POST /sessions/:id/clear-stm": write("session"),
  "POST /sessions/:id/clear-all": write("session"),
  "GET /sessions/:id/predictions": read("session"),
  "POST /sessions/:id/finalize-training": write("session"),
  "GET /pattern/:id": read("query"),
  "GET /symbols/stats": read("query"),
};

/** Path prefixes whose every route, present or future, has one rule. */
export const PREFIX_RULES: readonly (readonly [prefix: string, rule: AccessRule])[] = [
  ["/gpu", { access: "admin" }],
];

/**
 * The rule of a route, or undefined when none covers it.
 *
 * @example Look up a route, and a path under /gpu
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert";
 * import { ruleFor } from "./access_rules.ts";
 * deepStrictEqual(ruleFor("GET", "/gpu/status"), { access: "admin" });
 * strictEqual(ruleFor("GET", "/gpuish"), undefined);
 * strictEqual(ruleFor("PUT", "/health"), undefined);
 * ```
 */
export function ruleFor(method: string, routePath: string): AccessRule | undefined {
  const exact = ROUTE_RULES[`${method} ${routePath}`];
  if (exact !== undefined) return exact;
  for (const [prefix, rule] of PREFIX_RULES) {
    if (routePath === prefix || routePath.startsWith(`${prefix}/`)) return rule;
  }
  return undefined;
}
