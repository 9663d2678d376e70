import { deepStrictEqual, match, strictEqual } from "node:assert";
import { observeAll, startService } from "./_service.ts";

Deno.test("observe sorts symbols by code point, keeps duplicates, counts empty observations", async () => {
  await using t = await startService();
  const id = await t.session();
  const first = await t.call("POST", `/sessions/${id}/observe`, {
    strings: ["b", "B", "10", "2", "1", "", "b", "😀", "\uffff"],
  });
  strictEqual(first.status, 200);
  strictEqual(first.json.status, "okay");
  strictEqual(first.json.stm_length, 1);
  strictEqual(first.json.time, 1);
  match(first.json.unique_id, /^obs-[0-9a-f]{32}$/);
  strictEqual(first.json.auto_learned_pattern, null);
  const empty = await t.call("POST", `/sessions/${id}/observe`, { strings: [], emotives: { joy: 1 } });
  strictEqual(empty.json.stm_length, 1);
  strictEqual(empty.json.time, 2);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [[
    "",
    "1",
    "10",
    "2",
    "B",
    "b",
    "b",
    "\uffff",
    "😀",
  ]]);
});

Deno.test("sort_symbols=false keeps the observed order", async () => {
  await using t = await startService();
  const id = await t.session(undefined, { sort_symbols: false });
  await observeAll(t, id, [["b", "a"]]);
  deepStrictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.stm, [["b", "a"]]);
});

Deno.test("vectors are rejected with 400 and a clear message", async () => {
  await using t = await startService();
  const id = await t.session();
  const { status, json } = await t.call("POST", `/sessions/${id}/observe`, { strings: ["a"], vectors: [[0.1, 0.2]] });
  strictEqual(status, 400);
  match(json.detail, /Vectors are not supported/);
  strictEqual((await t.call("POST", `/sessions/${id}/observe`, { strings: ["a"], vectors: [] })).status, 200);
});

Deno.test("learn: empty STM is 400, one symbol learns nothing, STM is always cleared", async () => {
  await using t = await startService();
  const id = await t.session();
  deepStrictEqual((await t.call("POST", `/sessions/${id}/learn`)).json, { detail: "Cannot learn from empty STM" });
  await observeAll(t, id, [["a"]]);
  const single = await t.call("POST", `/sessions/${id}/learn`);
  strictEqual(single.status, 200);
  strictEqual(single.json.status, "learned");
  strictEqual(single.json.pattern_name, "");
  strictEqual((await t.call("GET", `/sessions/${id}/stm`)).json.length, 0);
});

Deno.test("re-learning bumps frequency, trims emotives to persistence and unions metadata", async () => {
  await using t = await startService();
  const id = await t.session("relearn", { persistence: 2 });
  for (let round = 0; round < 3; round++) {
    await t.call("POST", `/sessions/${id}/observe`, {
      strings: ["a"],
      emotives: { joy: round },
      metadata: { src: `s${round}` },
    });
    await t.call("POST", `/sessions/${id}/observe`, { strings: ["b"], metadata: { src: 7 } });
    await t.call("POST", `/sessions/${id}/learn`);
  }
  await t.call("POST", `/sessions/${id}/observe`, { strings: ["a"] });
  const stats = (await t.call("GET", "/symbols/stats?node_id=relearn")).json.symbols;
  deepStrictEqual(stats.a, { name: "a", frequency: 3, pattern_member_frequency: 1 });
  await observeAll(t, id, [["b"]]);
  const p = (await t.call("GET", `/sessions/${id}/predictions`)).json.predictions[0];
  strictEqual(p.frequency, 3);
  deepStrictEqual(p.emotives, { joy: 1.5 });
  const stored = (await t.call("GET", `/pattern/${p.name}?node_id=relearn`)).json.pattern.pattern;
  deepStrictEqual(stored.emotives, [{ joy: 1 }, { joy: 2 }]);
  deepStrictEqual(stored.metadata, { src: ["7", "s0", "s1", "s2"] });
});

Deno.test("auto-learn CLEAR learns and empties STM; ROLLING keeps the last m-1 events", async () => {
  await using t = await startService();
  const clear = await t.session("auto", { max_pattern_length: 2 });
  strictEqual((await t.call("POST", `/sessions/${clear}/observe`, { strings: ["a"] })).json.auto_learned_pattern, null);
  const second = await t.call("POST", `/sessions/${clear}/observe`, { strings: ["b"], emotives: { e: 1 } });
  match(second.json.auto_learned_pattern, /^PTRN\|[0-9a-f]{40}$/);
  strictEqual(second.json.stm_length, 0);
  const stored =
    (await t.call("GET", `/pattern/${encodeURIComponent(second.json.auto_learned_pattern)}?node_id=auto`)).json;
  deepStrictEqual(stored.pattern.pattern.emotives, [{ e: 1 }]);

  const rolling = await t.session("auto", { max_pattern_length: 3, stm_mode: "ROLLING" });
  const names = [];
  for (const s of ["a", "b", "c", "d"]) {
    const r = await t.call("POST", `/sessions/${rolling}/observe`, { strings: [s] });
    names.push(r.json.auto_learned_pattern);
  }
  strictEqual(names[0], null);
  strictEqual(names[1], null);
  match(names[2], /^PTRN\|/);
  match(names[3], /^PTRN\|/);
  deepStrictEqual((await t.call("GET", `/sessions/${rolling}/stm`)).json.stm, [["c"], ["d"]]);
});

Deno.test("observe-sequence follows KATO's order of learns and reports every step", async () => {
  await using t = await startService();
  const id = await t.session();
  const { status, json } = await t.call("POST", `/sessions/${id}/observe-sequence`, {
    observations: [{ strings: ["a", "b"], unique_id: "u1" }, { strings: ["c"] }, { strings: ["d", "e"] }],
    learn_after_each: false,
    learn_at_end: true,
    clear_stm_between: false,
  });
  strictEqual(status, 200);
  strictEqual(json.status, "completed");
  strictEqual(json.observations_processed, 3);
  strictEqual(json.initial_stm_length, 0);
  strictEqual(json.final_stm_length, 0);
  strictEqual(json.results[0].unique_id, "u1");
  strictEqual(json.results[2].stm_length, 3);
  match(json.final_learned_pattern, /^PTRN\|/);
  deepStrictEqual(json.auto_learned_patterns, [json.final_learned_pattern]);
  strictEqual(json.isolated, false);

  const each = await t.call("POST", `/sessions/${id}/observe-sequence`, {
    observations: [{ strings: ["a", "b"] }, { strings: ["c"] }],
    learn_after_each: true,
  });
  deepStrictEqual(each.json.auto_learned_patterns.map((n: string) => n === "" ? "" : "name"), ["name", ""]);
  const empty = await t.call("POST", `/sessions/${id}/observe-sequence`, { observations: [] });
  strictEqual(empty.json.observations_processed, 0);
});

Deno.test("clear-all deletes the node's patterns for every session of the node", async () => {
  await using t = await startService();
  const a = await t.session("shared");
  const b = await t.session("shared");
  await observeAll(t, a, [["x"], ["y"]]);
  await t.call("POST", `/sessions/${a}/learn`);
  await observeAll(t, b, [["x"], ["y"]]);
  strictEqual((await t.call("GET", `/sessions/${b}/predictions`)).json.count, 1);
  deepStrictEqual((await t.call("POST", `/sessions/${a}/clear-all`)).json, {
    status: "cleared",
    session_id: a,
    scope: "all",
  });
  strictEqual((await t.call("GET", `/sessions/${b}/predictions`)).json.count, 0);
  deepStrictEqual((await t.call("GET", "/symbols/stats?node_id=shared")).json.symbols, {});
});

Deno.test("learned patterns and statistics survive a restart", async () => {
  await using t = await startService();
  const id = await t.session("durable");
  await observeAll(t, id, [["a"], ["b"], ["c"]]);
  const name = (await t.call("POST", `/sessions/${id}/learn`)).json.pattern_name;
  await t.restart();
  strictEqual((await t.call("GET", `/pattern/${encodeURIComponent(name)}?node_id=durable`)).status, 200);
  await observeAll(t, id, [["a"], ["b"]]);
  strictEqual((await t.call("GET", `/sessions/${id}/predictions`)).json.predictions[0].name, name.slice(5));
});
