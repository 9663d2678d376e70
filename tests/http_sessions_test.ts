import { deepStrictEqual, match, ok, strictEqual } from "node:assert";
import { startService } from "./_service.ts";

Deno.test("POST /sessions returns KATO's SessionResponse with the effective config", async () => {
  await using t = await startService();
  const { status, json } = await t.call("POST", "/sessions", { node_id: "n1", metadata: { who: "me" } });
  strictEqual(status, 200);
  match(json.session_id, /^session-[0-9a-f]{32}-\d+$/);
  strictEqual(json.node_id, "n1");
  strictEqual(json.ttl_seconds, 3600);
  deepStrictEqual(json.metadata, { who: "me" });
  strictEqual(json.session_config.recall_threshold, 0.1);
  strictEqual(json.session_config.max_predictions, 100);
  ok(Date.parse(json.expires_at) > Date.parse(json.created_at));
});

Deno.test("unknown sessions get the SESSION_NOT_FOUND body on every session route", async () => {
  await using t = await startService();
  for (
    const [method, path] of [
      ["POST", "observe"],
      ["POST", "observe-sequence"],
      ["POST", "learn"],
      ["GET", "stm"],
      ["GET", "predictions"],
      ["GET", "config"],
      ["POST", "config"],
      ["POST", "clear-stm"],
      ["POST", "clear-all"],
      ["POST", "finalize-training"],
      ["POST", "extend"],
    ]
  ) {
    const { status, json } = await t.call(method!, `/sessions/nope/${path}`, method === "POST" ? {} : undefined);
    strictEqual(status, 404, `${method} ${path}`);
    deepStrictEqual(json, {
      error: { code: "SESSION_NOT_FOUND", message: "Session nope not found or expired", session_id: "nope" },
    });
  }
  strictEqual((await t.call("DELETE", "/sessions/nope")).status, 404);
  deepStrictEqual((await t.call("GET", "/sessions/nope")).json, { detail: "Session nope not found or expired" });
  deepStrictEqual((await t.call("GET", "/sessions/nope/exists")).json, {
    exists: false,
    expired: false,
    session_id: "nope",
  });
});

Deno.test("sessions expire after their TTL and can be extended or deleted", async () => {
  await using t = await startService();
  const created = await t.call("POST", "/sessions", { node_id: "n", ttl_seconds: 1 });
  const id = created.json.session_id;
  strictEqual(created.json.ttl_seconds, 1);
  strictEqual((await t.call("POST", `/sessions/${id}/extend?ttl_seconds=120`)).json.ttl_seconds, 120);
  ok((await t.call("GET", `/sessions/${id}`)).json.ttl_seconds >= 119);
  strictEqual((await t.call("GET", "/sessions/count")).json.active_session_count, 1);
  strictEqual((await t.call("POST", `/sessions/${id}/extend?ttl_seconds=abc`)).status, 422);
  deepStrictEqual((await t.call("DELETE", `/sessions/${id}`)).json, { status: "deleted", session_id: id });
  strictEqual((await t.call("GET", `/sessions/${id}/exists`)).json.exists, false);

  const short = (await t.call("POST", "/sessions", { node_id: "n", ttl_seconds: 1 })).json.session_id;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  deepStrictEqual((await t.call("GET", `/sessions/${short}/exists`)).json, {
    exists: false,
    expired: true,
    session_id: short,
  });
  strictEqual((await t.call("GET", `/sessions/${short}/stm`)).status, 404);
});

Deno.test("config updates validate every field and change nothing on error", async () => {
  await using t = await startService();
  const id = await t.session();
  const bad = await t.call("POST", `/sessions/${id}/config`, {
    config: { persistence: 0, recall_threshold: "high", max_predictions: 5 },
  });
  strictEqual(bad.status, 400);
  deepStrictEqual(bad.json, {
    detail: {
      error: "Configuration validation failed",
      validation_errors: {
        persistence: "Must be an integer between 1 and 100",
        recall_threshold: "Must be a number between 0.0 and 1.0",
      },
    },
  });
  strictEqual((await t.call("GET", `/sessions/${id}/config`)).json.config.max_predictions, 100);

  const good = await t.call("POST", `/sessions/${id}/config`, {
    max_predictions: 7,
    stm_mode: "weird",
    filter_pipeline: ["length"],
    bogus: 1,
  });
  strictEqual(good.status, 200);
  strictEqual(good.json.status, "okay");
  deepStrictEqual(good.json.inert_keys, ["filter_pipeline"]);
  deepStrictEqual(good.json.ignored_keys, ["bogus"]);
  const config = (await t.call("GET", `/sessions/${id}/config`)).json.config;
  strictEqual(config.max_predictions, 7);
  strictEqual(config.stm_mode, "CLEAR");
  deepStrictEqual(config.filter_pipeline, ["length"]);
  strictEqual((await t.call("POST", `/sessions/${id}/config`, { use_token_matching: false })).status, 400);
  strictEqual((await t.call("POST", `/sessions/${id}/config`, { rank_sort_algo: "weighted_snr" })).status, 400);
});

Deno.test("malformed bodies give 422 with FastAPI-shaped detail, never 500", async () => {
  await using t = await startService();
  const id = await t.session();
  for (
    const body of [
      "{not json",
      "[]",
      "42",
      JSON.stringify({ strings: "a" }),
      JSON.stringify({ strings: [1] }),
      JSON.stringify({ emotives: { joy: "x" } }),
    ]
  ) {
    const { status, json } = await t.call("POST", `/sessions/${id}/observe`, body);
    strictEqual(status, 422, body);
    ok(Array.isArray(json.detail) && json.detail[0].loc[0] === "body", body);
  }
  strictEqual((await t.call("POST", "/sessions", {})).status, 422);
  strictEqual((await t.call("POST", "/sessions", { node_id: 5 })).status, 422);
  strictEqual((await t.call("POST", `/sessions/${id}/observe-sequence`, { observations: "x" })).status, 422);
  strictEqual((await t.call("GET", "/no/such/route")).status, 404);
});

Deno.test("sessions and their STM survive a restart", async () => {
  await using t = await startService();
  const id = await t.session("persist");
  await t.call("POST", `/sessions/${id}/observe`, { strings: ["x", "y"] });
  await t.call("POST", `/sessions/${id}/config`, { max_predictions: 3 });
  await t.restart();
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json, { stm: [["x", "y"]], session_id: id, length: 1 });
  strictEqual((await t.call("GET", `/sessions/${id}/config`)).json.config.max_predictions, 3);
});
