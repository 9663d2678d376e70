import { deepStrictEqual, match, strictEqual } from "node:assert";
import { observeAll, startService } from "./_service.ts";

const LIMITS = {
  MAX_BODY_BYTES: "2048",
  MAX_SYMBOLS_PER_OBSERVATION: "5",
  MAX_SYMBOL_BYTES: "8",
  MAX_METADATA_BYTES: "64",
  MAX_SEQUENCE_OBSERVATIONS: "3",
  MAX_SESSIONS_PER_NODE: "2",
  MAX_SESSIONS: "3",
  MAX_STM_EVENTS: "4",
  MAX_STM_SYMBOLS: "6",
};

Deno.test("a body over MAX_BODY_BYTES is 413, by Content-Length or by the bytes actually sent", async () => {
  await using t = await startService(LIMITS);
  const id = await t.session("n");
  const big = JSON.stringify({ strings: ["a"], metadata: { pad: "x".repeat(3000) } });
  const declared = await t.built.app.request(`/sessions/${id}/observe`, {
    method: "POST",
    headers: { "content-type": "application/json", "content-length": String(big.length) },
    body: big,
  });
  strictEqual(declared.status, 413);
  match((await declared.json()).detail, /^Request body too large: more than 2048 bytes \(MAX_BODY_BYTES\)$/);

  // Streamed in chunks without a length: cut off once the count passes the limit.
  const chunks = [big.slice(0, 1000), big.slice(1000, 2000), big.slice(2000)];
  const streamed = await t.built.app.request(`/sessions/${id}/observe`, {
    method: "POST",
    body: ReadableStream.from(chunks.map((chunk) => new TextEncoder().encode(chunk))),
    duplex: "half",
  } as RequestInit);
  strictEqual(streamed.status, 413);
  // The same on a route whose body access control reads first.
  strictEqual(
    (await t.call("POST", "/sessions", JSON.stringify({ node_id: "n", metadata: { p: "x".repeat(3000) } }))).status,
    413,
  );
  strictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.length, 0);
});

Deno.test("observation limits answer 413 naming the limit and apply nothing", async () => {
  await using t = await startService(LIMITS);
  const id = await t.session("n");
  await observeAll(t, id, [["keep"]]);
  const cases: [unknown, string, RegExp][] = [
    [{ strings: ["a", "b", "c", "d", "e", "f"] }, "observe", /6 symbols, at most 5 \(MAX_SYMBOLS_PER_OBSERVATION\)/],
    [{ strings: ["123456789"] }, "observe", /symbol of 9 bytes, at most 8 \(MAX_SYMBOL_BYTES\)/],
    [{ strings: ["ééééé"] }, "observe", /symbol of 10 bytes/],
    [{ strings: ["a"], metadata: { k: "v".repeat(70) } }, "observe", /MAX_METADATA_BYTES/],
    [
      { strings: ["a"], emotives: Object.fromEntries([...Array(20)].map((_, i) => [`e${i}`, i])) },
      "observe",
      /MAX_METADATA_BYTES/,
    ],
    [{ observations: [{}, {}, {}, {}] }, "observe-sequence", /4 observations in one sequence, at most 3/],
    [
      { observations: [{ strings: ["a"] }, { strings: ["x".repeat(9)] }] },
      "observe-sequence",
      /observations\[1\] has a symbol/,
    ],
  ];
  for (const [body, route, expected] of cases) {
    const { status, json } = await t.call("POST", `/sessions/${id}/${route}`, body);
    strictEqual(status, 413, JSON.stringify(body).slice(0, 60));
    match(json.detail, expected);
  }
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["keep"]]);
  // At the limits exactly, all is well.
  strictEqual(
    (await t.call("POST", `/sessions/${id}/observe`, { strings: ["a", "b", "c", "d", "12345678"] })).status,
    200,
  );
  // Malformed bodies are still the route's 422, not a limit.
  strictEqual((await t.call("POST", `/sessions/${id}/observe`, "{not json")).status, 422);
  strictEqual((await t.call("POST", `/sessions/${id}/observe`, { strings: "abc" })).status, 422);
});

Deno.test("sessions beyond MAX_SESSIONS_PER_NODE or MAX_SESSIONS are 429 until one goes", async () => {
  await using t = await startService(LIMITS);
  const first = await t.session("n1");
  await t.session("n1");
  const third = await t.call("POST", "/sessions", { node_id: "n1" });
  strictEqual(third.status, 429);
  match(third.json.detail, /node n1 has 2 active sessions, at most 2 \(MAX_SESSIONS_PER_NODE\)/);
  await t.session("n2");
  const fourth = await t.call("POST", "/sessions", { node_id: "n3" });
  strictEqual(fourth.status, 429);
  match(fourth.json.detail, /3 active sessions, at most 3 \(MAX_SESSIONS\)/);
  strictEqual((await t.call("DELETE", `/sessions/${first}`)).status, 200);
  strictEqual((await t.call("POST", "/sessions", { node_id: "n1" })).status, 200);
  strictEqual((await t.call("GET", "/sessions/count")).json.active_session_count, 3);
});

Deno.test("expired sessions do not count against the quota", async () => {
  await using t = await startService({ ...LIMITS, MAX_SESSIONS_PER_NODE: "1" });
  strictEqual((await t.call("POST", "/sessions", { node_id: "n", ttl_seconds: 1 })).status, 200);
  strictEqual((await t.call("POST", "/sessions", { node_id: "n" })).status, 429);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  strictEqual((await t.call("POST", "/sessions", { node_id: "n" })).status, 200);
});

Deno.test("STM keeps the newest MAX_STM_EVENTS events and at most MAX_STM_SYMBOLS symbols", async () => {
  await using t = await startService(LIMITS);
  const id = await t.session("n", { sort_symbols: false });
  await observeAll(t, id, [["1"], ["2"], ["3"], ["4"], ["5"]]);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["2"], ["3"], ["4"], ["5"]]);
  await observeAll(t, id, [["a", "b", "c"]]);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["3"], ["4"], ["5"], ["a", "b", "c"]]);
  await observeAll(t, id, [["d", "e"]]);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["5"], ["a", "b", "c"], ["d", "e"]]);
  // An event as large as the bound replaces everything before it, but is itself kept.
  await observeAll(t, id, [["p", "q", "r", "s", "t"]]);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["p", "q", "r", "s", "t"]]);
  strictEqual((await t.call("POST", `/sessions/${id}/learn`)).status, 200);
});

Deno.test("the default limits leave KATO's behaviour unchanged", async () => {
  await using t = await startService();
  const id = await t.session("n");
  for (let i = 0; i < 1005; i++) await t.call("POST", `/sessions/${id}/observe`, { strings: [`s${i}`] });
  const stm = (await t.call("GET", `/sessions/${id}/stm`)).json;
  strictEqual(stm.length, 1000);
  deepStrictEqual(stm.stm[0], ["s5"]);
});

Deno.test("a prediction with more candidates than MAX_PREDICTION_CANDIDATES is 422, and changes nothing", async () => {
  await using t = await startService({ MAX_PREDICTION_CANDIDATES: "2" });
  const id = await t.session(undefined, { recall_threshold: 0.1 });
  for (const word of ["alpha", "beta", "gamma"]) {
    await observeAll(t, id, [[word], ["shared"], [`${word}-end`]]);
    await t.call("POST", `/sessions/${id}/learn`);
  }
  await observeAll(t, id, [["beta"], ["shared"]]);
  const refused = await t.call("GET", `/sessions/${id}/predictions`);
  strictEqual(refused.status, 422);
  match(refused.json.detail, /^Cannot predict: 3 patterns pass recall_threshold 0\.1, .*MAX_PREDICTION_CANDIDATES=2/);
  // A threshold that admits fewer is served, from the same STM.
  await t.call("POST", `/sessions/${id}/config`, { recall_threshold: 0.5 });
  const served = await t.call("GET", `/sessions/${id}/predictions`);
  strictEqual(served.status, 200);
  strictEqual(served.json.count, 1);
  deepStrictEqual(served.json.predictions[0].present, [["beta"], ["shared"]]);
});
