/**
 * A bounded, seeded HTTP fuzzer over every route of the app. Reproduce a failure with the seed it
 * prints: `FUZZ_SEED=<seed> FUZZ_REQUESTS=<n> deno task test tests/http_fuzz_test.ts`.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { formatKeyEntry, generateApiKey } from "../src/http/api_keys.ts";
import { snapshot } from "./_fault_store.ts";
import {
  brokenText,
  encode,
  heavyMetadata,
  invalidObservation,
  junk,
  mutatedObservation,
  oddId,
  Random,
} from "./_fuzz.ts";
import { observeAll, startService, type TestService } from "./_service.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261123);
const REQUESTS = Number(Deno.env.get("FUZZ_REQUESTS") ?? 10_000);
const BODY_LIMIT = 65536;
const LIMITS = {
  MAX_BODY_BYTES: String(BODY_LIMIT),
  MAX_SYMBOLS_PER_OBSERVATION: "50",
  MAX_SYMBOL_BYTES: "64",
  MAX_METADATA_BYTES: "4096",
  MAX_SEQUENCE_OBSERVATIONS: "20",
};
const OBSERVATION_LIMITS = { symbols: 50, symbolBytes: 64 };

interface FuzzRequest {
  method: string;
  path: string;
  body?: string;
  headers: Record<string, string>;
}

interface Target {
  /** The node whose data must not change: only requests that must be refused go to it. */
  victimSession: string;
  /** Sessions where anything goes. */
  playSessions: string[];
  patternNames: string[];
}

/** Routes that change a session or node and take no body: a valid id is enough to change something. */
const BODILESS_WRITES = new Set([
  "DELETE /sessions/:id",
  "POST /sessions/:id/learn",
  "POST /sessions/:id/clear-stm",
  "POST /sessions/:id/clear-all",
  "POST /sessions/:id/finalize-training",
]);

function endpoints(t: TestService): { method: string; path: string }[] {
  return t.built.app.routes.filter((route) => route.method !== "ALL").map(({ method, path }) => ({ method, path }));
}

/** A node with patterns and a session with STM: its snapshot must survive the fuzzing unchanged. */
async function seedNode(t: TestService, node: string): Promise<{ sessionId: string; names: string[] }> {
  const sessionId = await t.session(node);
  const names: string[] = [];
  for (const events of [[["a", "b"], ["c"]], [["b"], ["c", "d"]], [["x"], ["y"], ["z"]]]) {
    await observeAll(t, sessionId, events);
    names.push((await t.call("POST", `/sessions/${sessionId}/learn`)).json.pattern_name);
  }
  await observeAll(t, sessionId, [["a"], ["b", "c"]]);
  return { sessionId, names };
}

function invalidTtl(r: Random): string {
  return r.pick(["0", "-1", "abc", "1.5", "99999999999", "", "NaN", "1e400", "%00", "2592001"]);
}

/** Bodies the route must refuse, for the victim's session. */
function victimBody(r: Random, key: string): string | undefined {
  // Only texts that are no JSON at all, or JSON of the wrong type: no accidental valid body.
  const unparseable = () => r.pick(["{", '{"strings": ["a",', "\ufeff{}x", "nul", "1e999999", "[", "[1, 2"]);
  switch (key) {
    case "POST /sessions/:id/observe":
      return r.chance(0.8) ? JSON.stringify(invalidObservation(r, OBSERVATION_LIMITS)) : unparseable();
    case "POST /sessions/:id/observe-sequence": {
      const choice = r.int(5);
      if (choice === 0) return unparseable();
      if (choice === 1) return JSON.stringify({ observations: r.pick(["x", 1, null, {}, { strings: [] }]) });
      if (choice === 2) {
        return JSON.stringify({
          observations: [{ strings: ["a"] }],
          [r.pick(["learn_at_end", "learn_after_each", "clear_stm_between"])]: r.pick(["yes", 1, null, []]),
        });
      }
      if (choice === 3) {
        return JSON.stringify({ observations: [...Array(21 + r.int(50))].map(() => ({ strings: ["a"] })) });
      }
      const observations = [...Array(1 + r.int(5))].map(() => ({ strings: ["ok"] }));
      observations.splice(
        r.int(observations.length),
        0,
        invalidObservation(r, OBSERVATION_LIMITS) as { strings: string[] },
      );
      return JSON.stringify({ observations, learn_at_end: true });
    }
    case "POST /sessions/:id/config": {
      const bad = r.pick<[string, unknown]>([
        ["recall_threshold", r.pick(["x", -1, 2, null, []])],
        ["max_predictions", r.pick([0, -1, 1.5, "10", 10001])],
        ["persistence", r.pick([0, 101, "5", null])],
        ["sort_symbols", r.pick(["yes", 1, null])],
        ["use_token_matching", r.pick([false, "true", 0])],
        ["rank_sort_algo", r.pick(["nope", 1, null])],
        ["max_pattern_length", r.pick([-1, 0.5, "3"])],
      ]);
      const changes = { [bad[0]]: bad[1], ...(r.chance(0.3) ? { max_predictions: 7 } : {}) };
      return r.pick([
        JSON.stringify(changes),
        JSON.stringify({ config: changes }),
        unparseable(),
        JSON.stringify(junk(r, 0)),
      ]);
    }
    default:
      return r.chance(0.5) ? undefined : brokenText(r, BODY_LIMIT);
  }
}

/** Bodies for the play node: mutated valid bodies, and hostile ones. */
function playBody(r: Random, key: string): string | undefined {
  if (r.chance(0.15)) return brokenText(r, BODY_LIMIT);
  switch (key) {
    case "POST /sessions":
      return JSON.stringify({
        node_id: r.chance(0.7) ? `play-${r.int(3)}` : junk(r, 1),
        ...(r.chance(0.3) ? { ttl_seconds: r.chance(0.5) ? 1 + r.int(100) : junk(r, 0) } : {}),
        ...(r.chance(0.3) ? { metadata: r.chance(0.2) ? heavyMetadata(r) : junk(r) } : {}),
        ...(r.chance(0.3)
          ? { config: r.chance(0.5) ? { max_pattern_length: r.int(4), stm_mode: "ROLLING" } : junk(r) }
          : {}),
      });
    case "POST /sessions/:id/observe":
      return JSON.stringify(r.chance(0.2) ? invalidObservation(r, OBSERVATION_LIMITS) : mutatedObservation(r));
    case "POST /sessions/:id/observe-sequence":
      return JSON.stringify({
        observations: [...Array(r.int(6))].map(() => mutatedObservation(r)),
        learn_after_each: r.chance(0.3),
        learn_at_end: r.chance(0.5),
        clear_stm_between: r.chance(0.2),
        ...(r.chance(0.1) ? { [r.pick(["learn_at_end", "observations"])]: junk(r) } : {}),
      });
    case "POST /sessions/:id/config":
      return JSON.stringify(
        r.chance(0.5)
          ? {
            max_pattern_length: r.int(4),
            stm_mode: r.pick(["CLEAR", "ROLLING", "x"]),
            max_predictions: 1 + r.int(20),
          }
          : junk(r),
      );
    case "POST /gpu/config":
      return JSON.stringify(r.chance(0.5) ? { sync_threshold: r.pick([1, 0, -1, "x", 1e9]) } : junk(r));
    default:
      return r.chance(0.7) ? undefined : JSON.stringify(junk(r));
  }
}

function buildRequest(
  r: Random,
  route: { method: string; path: string },
  target: Target,
  victim: boolean,
): FuzzRequest {
  const key = `${route.method} ${route.path}`;
  // The victim only gets requests it must refuse; bodiless writes cannot be refused by their body.
  const toVictim = victim && !BODILESS_WRITES.has(key) && key !== "POST /sessions";
  let path = route.path;
  if (path.startsWith("/sessions/:id")) {
    const real = toVictim ? target.victimSession : r.pick(target.playSessions);
    path = path.replace(":id", r.chance(0.85) ? real : oddId(r, [real]));
  } else if (path.includes(":id")) {
    path = path.replace(":id", r.chance(0.5) ? r.pick(target.patternNames) : oddId(r, target.patternNames));
  }
  const query: string[] = [];
  if (path.startsWith("/pattern/") || path === "/symbols/stats" || r.chance(0.1)) {
    const node = r.pick(["victim", "play", ...(r.chance(0.3) ? [String(junk(r, 0))] : [])]);
    if (r.chance(0.9)) query.push(`node_id=${encode(node)}`);
  }
  if (path.endsWith("/extend")) {
    query.push(`ttl_seconds=${toVictim ? invalidTtl(r) : r.pick([invalidTtl(r), "60", "3600"])}`);
  }
  if (r.chance(0.05)) query.push(`${encode(String(junk(r, 0)))}=${encode(String(junk(r, 0)))}`);
  const headers: Record<string, string> = {};
  const contentType = r.pick([
    "application/json",
    "application/json",
    "text/plain",
    "",
    "application/json; charset=utf-16",
  ]);
  if (contentType !== "") headers["content-type"] = contentType;
  if (r.chance(0.1)) {
    headers[r.pick(["x-node-id", "x-test-id"])] = r.pick(["victim", "play", "", "test_", "x".repeat(500)]);
  }
  if (r.chance(0.05)) headers.authorization = r.pick(["Bearer", "Bearer x", "Basic a", "\u00ff"]);
  let method = route.method;
  if (r.chance(0.05)) method = r.pick(["PUT", "PATCH", "OPTIONS"]);
  else if (method === "GET" && r.chance(0.1)) method = "HEAD";
  const body = method === "GET" || method === "HEAD" ? undefined : toVictim ? victimBody(r, key) : playBody(r, key);
  return {
    method,
    path: query.length > 0 ? `${path}?${query.join("&")}` : path,
    ...(body === undefined ? {} : { body }),
    headers,
  };
}

async function send(t: TestService, request: FuzzRequest): Promise<{ status: number; text: string }> {
  const init: RequestInit = { method: request.method, headers: request.headers };
  if (request.body !== undefined) init.body = request.body;
  const response = await t.built.app.request(request.path, init);
  return { status: response.status, text: await response.text() };
}

/** Per node: patterns in memory, in the store, and the symbol statistics. */
async function nodeState(t: TestService): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const node of (await t.built.store.listNodes()).sort()) {
    state[node] = {
      engine: t.built.engine.patternCount(node),
      store: await t.built.store.countPatterns(node),
      totals: await t.built.store.getTotals(node),
      symbols: [...await t.built.store.loadSymbolStats(node)].sort(([a], [b]) => a < b ? -1 : 1),
    };
  }
  return state;
}

Deno.test(`fuzz: ${REQUESTS} hostile requests over every route (seed ${SEED}) give no 5xx and leave the victim unchanged`, async () => {
  await using t = await startService(LIMITS);
  const victim = await seedNode(t, "victim");
  const play = await seedNode(t, "play");
  const target: Target = {
    victimSession: victim.sessionId,
    playSessions: [play.sessionId],
    patternNames: [...victim.names, ...play.names],
  };
  const before = await snapshot(t, "victim", victim.sessionId);
  const routes = endpoints(t);
  const r = new Random(SEED);
  const perRoute = new Map<string, number>();
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const route = r.pick(routes);
    const request = buildRequest(r, route, target, r.chance(0.5));
    const { status, text } = await send(t, request);
    perRoute.set(`${route.method} ${route.path}`, (perRoute.get(`${route.method} ${route.path}`) ?? 0) + 1);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const jsonExpected = request.method !== "HEAD" && !(route.path === "/metrics" && status === 200);
    let parsed: unknown;
    try {
      parsed = jsonExpected ? JSON.parse(text) : undefined;
    } catch {
      failures.push(`#${i} ${request.method} ${request.path.slice(0, 120)}: ${status} with a body that is not JSON`);
    }
    if (status >= 500) {
      failures.push(
        `#${i} ${request.method} ${request.path.slice(0, 120)} ${request.body?.slice(0, 200)}: ${status} ${
          text.slice(0, 300)
        }`,
      );
    }
    const created = parsed as { session_id?: unknown; node_id?: unknown } | undefined;
    if (route.path === "/sessions" && status === 200 && typeof created?.session_id === "string") {
      ok(created.node_id !== "victim");
      target.playSessions.push(created.session_id);
    }
    // Keep the play sessions alive, so that requests reach past the session lookup.
    if (request.method === "DELETE" && status === 200) {
      target.playSessions = target.playSessions.filter((id) => !request.path.includes(id));
      if (target.playSessions.length === 0) target.playSessions.push(await t.session("play"));
    }
  }
  const summary = {
    seed: SEED,
    requests: REQUESTS,
    routes_covered: perRoute.size,
    routes: routes.length,
    server_errors: [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0),
    statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
  };
  console.log(`fuzz summary: ${JSON.stringify(summary)}`);
  deepStrictEqual(failures.slice(0, 10), [], `seed ${SEED}: ${failures.length} failures`);
  for (const route of routes) {
    ok(
      (perRoute.get(`${route.method} ${route.path}`) ?? 0) >= Math.min(10, REQUESTS / routes.length / 4),
      `${route.method} ${route.path} barely fuzzed`,
    );
  }
  deepStrictEqual(await snapshot(t, "victim", victim.sessionId), before, `seed ${SEED}: the victim changed`);
  // What the fuzzing did write is whole: memory and store agree, before and after a restart.
  const state = await nodeState(t);
  for (const [node, value] of Object.entries(state)) {
    const { engine, store } = value as { engine: number; store: number };
    strictEqual(engine, store, `node ${node}: ${engine} patterns in memory, ${store} in the store`);
  }
  await t.restart();
  deepStrictEqual(await nodeState(t), state);
});

Deno.test(`fuzz: with access control on, ${Math.round(REQUESTS / 4)} requests with wrong or no keys never reach the victim`, async () => {
  const keys = {
    admin: generateApiKey(),
    playWriter: generateApiKey(),
    victimReader: generateApiKey(),
  };
  const entries = [
    formatKeyEntry({ name: "admin", key: keys.admin, role: "admin" }),
    formatKeyEntry({ name: "play", key: keys.playWriter, role: "write", nodes: ["play"] }),
    formatKeyEntry({ name: "reader", key: keys.victimReader, role: "read", nodes: ["victim"] }),
  ].join(";");
  await using t = await startService({ ...LIMITS, KATO_API_KEYS: entries });
  const asAdmin = async (path: string, body?: unknown) => {
    const response = await t.built.app.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.admin}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return await response.json();
  };
  const victimSession = (await asAdmin("/sessions", { node_id: "victim" })).session_id;
  await asAdmin(`/sessions/${victimSession}/observe`, { strings: ["a", "b"] });
  await asAdmin(`/sessions/${victimSession}/learn`);
  await asAdmin(`/sessions/${victimSession}/observe`, { strings: ["a"] });
  const playSession = (await asAdmin("/sessions", { node_id: "play" })).session_id;
  const before = await snapshot(t, "victim", victimSession);
  const writes = endpoints(t).filter((route) => route.method !== "GET");
  const r = new Random(SEED ^ 0x5eed);
  const statuses = new Map<number, number>();
  for (let i = 0; i < Math.round(REQUESTS / 4); i++) {
    const route = r.pick(writes);
    // A request the victim would accept from an admin: only the credentials are wrong.
    const key = `${route.method} ${route.path}`;
    const body = key === "POST /sessions"
      ? { node_id: "victim" }
      : key.endsWith("/observe")
      ? { strings: ["c"] }
      : key.endsWith("/observe-sequence")
      ? { observations: [{ strings: ["c"] }], learn_at_end: true }
      : key.endsWith("/config")
      ? { max_predictions: 3 }
      : undefined;
    const path = route.path.replace(":id", victimSession) + (key.endsWith("/extend") ? "?ttl_seconds=60" : "");
    const authorization = r.pick([
      undefined,
      `Bearer ${keys.playWriter}`,
      `Bearer ${keys.victimReader}`,
      `Bearer ${generateApiKey()}`,
      `Bearer ${keys.admin.slice(0, -1)}`,
      `Bearer ${keys.admin}x`,
      `Basic ${keys.admin}`,
      keys.admin,
    ]);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization !== undefined) headers.authorization = authorization;
    if (route.path === "/symbols/stats" || route.path.startsWith("/pattern/")) headers["x-node-id"] = "victim";
    const response = await t.built.app.request(path, {
      method: route.method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    await response.body?.cancel();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    ok(
      response.status === 401 || response.status === 403,
      `${route.method} ${path} with ${authorization}: ${response.status}`,
    );
  }
  console.log(`auth fuzz summary: ${JSON.stringify(Object.fromEntries(statuses))}`);
  deepStrictEqual(await snapshot(t, "victim", victimSession), before);
  ok(playSession !== undefined);
});

Deno.test("regressions the fuzzer found: deep JSON, prototype keys, lone surrogates", async () => {
  await using t = await startService();
  const id = await t.session("regressions");
  // A 422 that echoed a 20 000-deep body overflowed the stack while being serialised: 500.
  const deep = await t.call("POST", "/sessions", "[".repeat(20_000) + "]".repeat(20_000));
  strictEqual(deep.status, 422);
  deepStrictEqual(deep.json.detail[0].msg, "JSON nested deeper than 64 levels");
  // Metadata keys named like Object.prototype members broke learn's metadata merge: 500.
  await t.call("POST", `/sessions/${id}/observe`, { strings: ["a", "b"], metadata: { constructor: 1, toString: "x" } });
  const learned = await t.call("POST", `/sessions/${id}/learn`);
  strictEqual(learned.status, 200);
  deepStrictEqual(
    (await t.call("GET", `/pattern/${learned.json.pattern_name}?node_id=regressions`)).json.pattern.pattern.metadata,
    { constructor: ["1"], toString: ["x"] },
  );
  // Config keys named like Object.prototype members were "invalid" instead of ignored.
  const config = await t.call("POST", `/sessions/${id}/config`, { constructor: 1, toString: 2 });
  strictEqual(config.status, 200);
  deepStrictEqual(config.json.ignored_keys, ["constructor", "toString"]);
  // SQLite stores a lone surrogate as U+FFFD: "\ud800" and "\ufffd" collided in the vocabulary (500),
  // and a node "\ud800" would come back as node "\ufffd" after a restart.
  strictEqual((await t.call("POST", `/sessions/${id}/observe`, { strings: ["\ud800"] })).status, 422);
  strictEqual((await t.call("POST", "/sessions", { node_id: "a\udfff" })).status, 422);
  strictEqual((await t.call("POST", `/sessions/${id}/observe`, { strings: ["\ufffd", "😀"] })).status, 200);
});
