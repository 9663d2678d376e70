import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert";
import { type AccessRule, ruleFor } from "../src/http/access_rules.ts";
import { formatKeyEntry, generateApiKey, hashApiKey, KeyRing } from "../src/http/api_keys.ts";
import { startService, type TestService } from "./_service.ts";

/** The keys of the table: every role, scoped to node-a and to every node. */
const KEYS = {
  admin: { key: generateApiKey(), role: "admin", nodes: undefined },
  writerA: { key: generateApiKey(), role: "write", nodes: ["node-a"] },
  readerA: { key: generateApiKey(), role: "read", nodes: ["node-a"] },
  writerAll: { key: generateApiKey(), role: "write", nodes: undefined },
  readerAll: { key: generateApiKey(), role: "read", nodes: undefined },
} as const;
type KeyName = keyof typeof KEYS;

const KEY_ENTRIES = Object.entries(KEYS).map(([name, k]) =>
  formatKeyEntry({ name, key: k.key, role: k.role, ...(k.nodes ? { nodes: k.nodes } : {}) })
).join(";");

/** Middleware registered for ALL methods; any other ALL route would be an endpoint without a method rule. */
const MIDDLEWARE = new Set([
  "measureRequest",
  "limitBody",
  "accessControl",
  "requireAdmin",
  "limitObservations",
]);

/** The policy restated independently of src/http/auth.ts: may `who` use a route of `rule` on `node`? */
function allowed(rule: AccessRule, who: KeyName, node: string, metricsPublic: boolean): boolean {
  const key = KEYS[who];
  const everyNode = key.nodes === undefined;
  switch (rule.access) {
    case "public":
    case "any-key":
      return true;
    case "metrics":
      return metricsPublic || everyNode;
    case "all-nodes":
      return everyNode;
    case "admin":
      return key.role === "admin";
    case "node":
      return !(rule.write && key.role === "read") && (everyNode || (key.nodes as readonly string[]).includes(node));
  }
}

/** A request that reaches `route` for `node`, with a body the route accepts. */
async function requestFor(
  t: TestService,
  method: string,
  path: string,
  node: string,
): Promise<{ path: string; body?: unknown }> {
  let concrete = path;
  if (path.startsWith("/sessions/:id")) {
    const created = await send(t, "POST", "/sessions", "admin", { node_id: node });
    const id = created.json.session_id!;
    await send(t, "POST", `/sessions/${id}/observe`, "admin", { strings: ["a", "b"] });
    concrete = path.replace(":id", id);
  } else concrete = path.replace(":id", "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4");
  const query = concrete.startsWith("/pattern/") || concrete === "/symbols/stats" ? `?node_id=${node}` : "";
  const bodies: Record<string, unknown> = {
    "POST /sessions": { node_id: node },
    "POST /sessions/:id/observe": { strings: ["c"] },
    "POST /sessions/:id/observe-sequence": { observations: [{ strings: ["c"] }] },
    "POST /sessions/:id/config": { recall_threshold: 0.2 },
    "POST /gpu/config": {},
  };
  const extend = path.endsWith("/extend") ? "?ttl_seconds=60" : "";
  const body = bodies[`${method} ${path}`];
  return { path: concrete + query + extend, ...(body === undefined ? {} : { body }) };
}

async function send(
  t: TestService,
  method: string,
  path: string,
  who: KeyName | "none" | "unknown",
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: { detail?: unknown; session_id?: string } }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (who === "unknown") headers.authorization = `Bearer ${generateApiKey()}`;
  else if (who !== "none") headers.authorization = `Bearer ${KEYS[who].key}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await t.built.app.request(path, init);
  const text = await response.text();
  let json = {};
  try {
    json = JSON.parse(text);
  } catch { /* /metrics is text */ }
  return { status: response.status, headers: response.headers, json };
}

function endpoints(t: TestService): { method: string; path: string }[] {
  const routes = t.built.app.routes;
  for (const route of routes) {
    if (route.method === "ALL") {
      ok(
        MIDDLEWARE.has(route.handler.name),
        `ALL ${route.path} is not a known middleware: give it a method and a rule`,
      );
    }
  }
  return routes.filter((route) => route.method !== "ALL").map(({ method, path }) => ({ method, path }));
}

for (const metricsPublic of [true, false]) {
  Deno.test(`every route enforces its access rule for every key (METRICS_PUBLIC=${metricsPublic})`, async () => {
    await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES, METRICS_PUBLIC: String(metricsPublic) });
    const routes = endpoints(t);
    ok(routes.length >= 25, `only ${routes.length} routes found`);
    let checked = 0;
    for (const { method, path } of routes) {
      const rule = ruleFor(method, path);
      ok(rule !== undefined, `${method} ${path} has no access rule in src/http/access_rules.ts`);
      // The documented policy: read-only keys use GET routes only; a session route is scoped by its session.
      if (rule.access === "node") {
        strictEqual(rule.write, method !== "GET", `${method} ${path}: write must be ${method !== "GET"}`);
        if (path.startsWith("/sessions/:id")) strictEqual(rule.node, "session", `${method} ${path}`);
      }
      for (const node of ["node-a", "node-b"]) {
        for (const who of ["none", "unknown"] as const) {
          const request = await requestFor(t, method, path, node);
          const { status, headers, json } = await send(t, method, request.path, who, request.body);
          const open = rule.access === "public" || (rule.access === "metrics" && metricsPublic);
          if (open) ok(status !== 401 && status !== 403, `${method} ${path} (${who}): ${status}`);
          else {
            strictEqual(status, 401, `${method} ${path} without a valid key`);
            match(String(json.detail), /^Unauthorized/);
            match(headers.get("www-authenticate") ?? "", /^Bearer/);
          }
          checked++;
        }
        for (const who of Object.keys(KEYS) as KeyName[]) {
          const request = await requestFor(t, method, path, node);
          const { status, json } = await send(t, method, request.path, who, request.body);
          if (allowed(rule, who, node, metricsPublic)) {
            ok(status !== 401 && status !== 403, `${method} ${path} on ${node} as ${who}: ${status} ${json.detail}`);
            ok(status < 500, `${method} ${path} on ${node} as ${who}: ${status} ${json.detail}`);
          } else {
            strictEqual(status, 403, `${method} ${path} on ${node} as ${who} must be refused`);
            match(String(json.detail), /^Forbidden/);
          }
          checked++;
        }
      }
    }
    ok(checked >= routes.length * 14);
  });
}

Deno.test("a route without an access rule is refused, even to an admin key", async () => {
  await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES });
  t.built.app.get("/unlisted", (c) => c.json({ secret: true }));
  const { status, json } = await send(t, "GET", "/unlisted", "admin");
  strictEqual(status, 403);
  deepStrictEqual(json, { detail: "Forbidden: no access rule covers this route" });
});

Deno.test("any route mounted under /gpu needs an admin key, ruled or not", async () => {
  await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES });
  t.built.app.post("/gpu/future", (c) => c.json({ done: true }));
  strictEqual((await send(t, "POST", "/gpu/future", "none")).status, 401);
  strictEqual((await send(t, "POST", "/gpu/future", "writerAll")).status, 403);
  strictEqual((await send(t, "POST", "/gpu/future", "admin")).status, 200);
  strictEqual((await send(t, "GET", "/gpu", "readerAll")).status, 403);
});

Deno.test("a scoped key cannot create, read or clear another node's sessions and patterns", async () => {
  await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES });
  const b = (await send(t, "POST", "/sessions", "admin", { node_id: "node-b" })).json.session_id!;
  await send(t, "POST", `/sessions/${b}/observe`, "admin", { strings: ["x", "y"] });
  await send(t, "POST", `/sessions/${b}/learn`, "admin");
  const count = async () => (await send(t, "GET", "/sessions/count", "admin")).json as { active_session_count: number };
  const before = await count();
  strictEqual((await send(t, "POST", "/sessions", "writerA", { node_id: "node-b" })).status, 403);
  deepStrictEqual(await count(), before);
  for (const path of [`/sessions/${b}/clear-all`, `/sessions/${b}/learn`, `/sessions/${b}/observe`]) {
    strictEqual((await send(t, "POST", path, "writerA", { strings: ["z"] })).status, 403, path);
  }
  strictEqual((await send(t, "GET", "/symbols/stats?node_id=node-b", "writerA")).status, 403);
  // KATO's other node selectors are scoped the same way.
  const viaHeader = await t.built.app.request("/symbols/stats", {
    headers: { authorization: `Bearer ${KEYS.writerA.key}`, "x-node-id": "node-b" },
  });
  strictEqual(viaHeader.status, 403);
  const stats = (await send(t, "GET", "/symbols/stats?node_id=node-b", "admin")).json as { symbols: object };
  deepStrictEqual(Object.keys(stats.symbols).sort(), ["x", "y"]);
});

Deno.test("a read-only key reads a writer's session but cannot change anything", async () => {
  await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES });
  const id = (await send(t, "POST", "/sessions", "writerA", { node_id: "node-a" })).json.session_id!;
  await send(t, "POST", `/sessions/${id}/observe`, "writerA", { strings: ["a", "b"] });
  await send(t, "POST", `/sessions/${id}/learn`, "writerA");
  await send(t, "POST", `/sessions/${id}/observe`, "writerA", { strings: ["a"] });
  strictEqual((await send(t, "GET", `/sessions/${id}/predictions`, "readerA")).status, 200);
  strictEqual((await send(t, "GET", `/sessions/${id}/stm`, "readerA")).status, 200);
  for (const path of ["observe", "learn", "clear-stm", "clear-all", "finalize-training", "config"]) {
    const { status, json } = await send(t, "POST", `/sessions/${id}/${path}`, "readerA", { strings: ["c"] });
    strictEqual(status, 403, path);
    strictEqual(json.detail, "Forbidden: this API key is read-only");
  }
  strictEqual((await send(t, "DELETE", `/sessions/${id}`, "readerA")).status, 403);
  deepStrictEqual((await send(t, "GET", `/sessions/${id}/stm`, "readerA")).json, {
    stm: [["a"]],
    session_id: id,
    length: 1,
  });
});

Deno.test("malformed Authorization headers are 401, never 500", async () => {
  await using t = await startService({ KATO_API_KEYS: KEY_ENTRIES });
  for (
    const header of [
      "",
      "Bearer",
      "Bearer ",
      `Basic ${KEYS.admin.key}`,
      `Bearer ${KEYS.admin.key} extra`,
      `Bearer ${"x".repeat(10_000)}`,
      `bearer\t${KEYS.admin.key}`,
    ]
  ) {
    const response = await t.built.app.request("/sessions/count", { headers: { authorization: header } });
    strictEqual(response.status, 401, JSON.stringify(header.slice(0, 40)));
    await response.body?.cancel();
  }
  const lower = await t.built.app.request("/sessions/count", {
    headers: { authorization: `bearer ${KEYS.admin.key}` },
  });
  strictEqual(lower.status, 200);
  await lower.body?.cancel();
});

Deno.test("an empty key file locks every route but /health", async () => {
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "# no keys yet\n");
  try {
    await using t = await startService({ KATO_API_KEYS_FILE: file });
    strictEqual((await send(t, "GET", "/health", "none")).status, 200);
    strictEqual((await send(t, "GET", "/sessions/count", "none")).status, 401);
    strictEqual((await send(t, "GET", "/metrics", "none")).status, 200);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("keys come from KATO_API_KEYS and KATO_API_KEYS_FILE together", async () => {
  const file = await Deno.makeTempFile();
  const fileKey = generateApiKey();
  await Deno.writeTextFile(
    file,
    `# comment\n\n${formatKeyEntry({ name: "from-file", key: fileKey, role: "read" })}  # trailing\n`,
  );
  try {
    const ring = await KeyRing.load({ apiKeys: `env ${hashApiKey("env-key")} write a,b`, apiKeysFile: file });
    strictEqual(ring.size, 2);
    deepStrictEqual(ring.verify(fileKey), { name: "from-file", role: "read", nodes: undefined });
    deepStrictEqual(ring.verify("env-key"), { name: "env", role: "write", nodes: new Set(["a", "b"]) });
    strictEqual(ring.verify("env-ke"), undefined);
    strictEqual(ring.verify(""), undefined);
    strictEqual((await KeyRing.load({ apiKeys: " ", apiKeysFile: undefined })).enabled, false);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("bad key entries are refused at start with the entry's number and without echoing it", async () => {
  const hash = hashApiKey("k");
  const cases: [string, RegExp][] = [
    [`a ${hash} write`, /entry 1 .*expected 4 fields/],
    [`a ${hash} write *;b sha1:abc read *`, /entry 2 .*sha256:/],
    [`a ${hash.toUpperCase().replace("SHA256", "sha256")} read *`, /sha256:/],
    [`a ${hash} owner *`, /role must be one of read, write, admin/],
    [`a ${hash} admin node-a`, /admin key covers every node/],
    [`a ${hash} read node-a,,b`, /comma-separated/],
    [`a ${hash} read *;a ${hashApiKey("j")} read *`, /name a appears twice/],
    [`a ${hash} read *;b ${hash} read *`, /repeats another key's hash/],
    [`bad/name ${hash} read *`, /name must be/],
  ];
  for (const [entries, expected] of cases) {
    await rejects(KeyRing.load({ apiKeys: entries, apiKeysFile: undefined }), (error: unknown) => {
      ok(error instanceof TypeError);
      match(error.message, expected);
      ok(!error.message.includes(hash.slice(7, 20)), "the hash is not echoed");
      return true;
    });
  }
  await rejects(KeyRing.load({ apiKeys: "", apiKeysFile: "/nonexistent/keys" }), /Cannot read KATO_API_KEYS_FILE/);
});
