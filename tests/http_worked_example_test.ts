import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { observeAll, startService } from "./_service.ts";

Deno.test("predictions reproduce SEMANTICS.md's worked example over HTTP", async () => {
  await using t = await startService();
  const id = await t.session();
  await observeAll(t, id, [["hello"], ["world"], ["test"]]);
  const learned = await t.call("POST", `/sessions/${id}/learn`);
  strictEqual(learned.status, 200);
  strictEqual(learned.json.pattern_name, "PTRN|386fbb12926e8e015a1483990df913e8410f94ce");
  strictEqual(learned.json.status, "learned");
  await observeAll(t, id, [["hello"], ["world"]]);

  const { status, json } = await t.call("GET", `/sessions/${id}/predictions`);
  strictEqual(status, 200);
  strictEqual(json.count, 1);
  const p = json.predictions[0];
  deepStrictEqual(
    {
      name: p.name,
      past: p.past,
      present: p.present,
      future: p.future,
      matches: p.matches,
      missing: p.missing,
      extras: p.extras,
    },
    {
      name: "386fbb12926e8e015a1483990df913e8410f94ce",
      past: [],
      present: [["hello"], ["world"]],
      future: [["test"]],
      matches: ["hello", "world"],
      missing: [[], []],
      extras: [[], []],
    },
  );
  strictEqual(p.similarity, 0.8);
  strictEqual(p.evidence, 0.6666666666666666);
  strictEqual(p.confidence, 1.0);
  strictEqual(p.snr, 1.0);
  strictEqual(p.fragmentation, 0.0);
  strictEqual(p.potential, 3.666666666666666);
  strictEqual(p.itfdf_similarity, 0.9999999999999998);
  strictEqual(p.entropy, 1.0);
  strictEqual(p.normalized_entropy, 0.6309297535714574);
  strictEqual(p.tfidf_score, 0.5);
  strictEqual(p.bayesian_posterior, 1.0);
  strictEqual(p.predictive_information, 0.8);
  strictEqual(p.confluence, 0.0);
  strictEqual(p.type, "prototypical");
  deepStrictEqual(p.sequence, [["hello"], ["world"], ["test"]]);
  deepStrictEqual(json.future_potentials, [{
    future: [["test"]],
    aggregate_potential: 1.0,
    supporting_patterns: 1,
    total_weighted_frequency: 0.8,
  }]);
});

Deno.test("finalize-training switches the entropy family to the whole pattern", async () => {
  await using t = await startService();
  const id = await t.session();
  await observeAll(t, id, [["hello"], ["world"], ["test"]]);
  await t.call("POST", `/sessions/${id}/learn`);
  const finalized = await t.call("POST", `/sessions/${id}/finalize-training`);
  strictEqual(finalized.status, 200);
  strictEqual(finalized.json.patterns_processed, 1);
  await observeAll(t, id, [["hello"], ["world"]]);
  const p = (await t.call("GET", `/sessions/${id}/predictions`)).json.predictions[0];
  strictEqual(p.entropy, 1.584962500721156);
  strictEqual(p.normalized_entropy, 1.0);
  strictEqual(p.tfidf_score, 1 / 3);
});

Deno.test("learn names patterns by SHA-1 of Python's repr (check values)", async () => {
  await using t = await startService();
  const id = await t.session();
  await observeAll(t, id, [["b", "a"]]);
  strictEqual(
    (await t.call("POST", `/sessions/${id}/learn`)).json.pattern_name,
    "PTRN|395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
  );
  const pattern = await t.call(
    "GET",
    `/pattern/PTRN%7C395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4?node_id=${
      (await t.call("GET", `/sessions/${id}`)).json.node_id
    }`,
  );
  strictEqual(pattern.status, 200);
  deepStrictEqual(pattern.json.pattern.pattern, {
    name: "PTRN|395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
    pattern_data: [["a", "b"]],
    length: 2,
    frequency: 1,
    emotives: [],
    metadata: {},
  });
});

Deno.test("predictions say where their time went in Server-Timing", async () => {
  await using t = await startService();
  const id = await t.session(undefined, { recall_threshold: 0.1 });
  for (const word of ["alpha", "beta", "gamma"]) {
    await observeAll(t, id, [[word], ["shared"], [`${word}-end`]]);
    await t.call("POST", `/sessions/${id}/learn`);
  }
  await observeAll(t, id, [["shared"], ["beta"]]);
  const { json, headers } = await t.call("GET", `/sessions/${id}/predictions`);
  const timing = headers.get("server-timing") ?? "";
  const match = /^match;dur=(\d+\.\d{3}), predict;dur=(\d+\.\d{3}), candidates;desc="(\d+)"$/.exec(timing);
  ok(match, `Server-Timing: ${timing}`);
  strictEqual(Number(match[3]), 3);
  strictEqual(json.count, 3);
  // An empty STM matches nothing and says so.
  await t.call("POST", `/sessions/${id}/clear-stm`);
  const empty = await t.call("GET", `/sessions/${id}/predictions`);
  strictEqual(empty.headers.get("server-timing"), 'match;dur=0.000, predict;dur=0.000, candidates;desc="0"');
});
