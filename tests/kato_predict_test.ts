// predict() on the worked examples of SEMANTICS.md and KATO_REFERENCE.md, and
// the pruning and ranking rules.

import { deepStrictEqual, ok, strictEqual } from "node:assert";
import {
  type Candidate,
  type Event,
  finalizeMetrics,
  flatten,
  lcsSimilarity,
  type NodeStatistics,
  patternName,
  predict,
  type Prediction,
  type PredictOptions,
  rankPredictions,
} from "../src/kato/mod.ts";

/** A node that learned each pattern once (pmf and totals as SEMANTICS.md §2). */
function nodeOf(patterns: Event[][]): NodeStatistics & { patterns: Event[][] } {
  const pmf = new Map<string, number>();
  for (const events of patterns) {
    for (const s of new Set(flatten(events))) pmf.set(s, (pmf.get(s) ?? 0) + 1);
  }
  return {
    patterns,
    patternMemberFrequency: (s) => pmf.get(s),
    distinctSymbols: pmf.size,
    totalUniquePatterns: patterns.length,
    totalPatternFrequencies: patterns.length,
  };
}

/** Every pattern of the node as a candidate against the STM. */
function candidatesOf(patterns: Event[][], stm: Event[], threshold = 0): Candidate[] {
  return patterns
    .map((events) => ({
      name: patternName(events),
      events,
      length: flatten(events).length,
      frequency: 1,
      emotives: [],
      similarity: lcsSimilarity(flatten(events), flatten(stm)),
    }))
    .filter((c) => c.similarity >= threshold);
}

const DEFAULTS: PredictOptions = { maxPredictions: 100, rankSortAlgo: "potential" };
const HELLO = [["hello"], ["world"], ["test"]];

Deno.test("predict() reproduces SEMANTICS.md's worked example", () => {
  const node = nodeOf([HELLO]);
  const stm = [["hello"], ["world"]];
  const { predictions, future_potentials } = predict(stm, candidatesOf([HELLO], stm), node, DEFAULTS);
  strictEqual(predictions.length, 1);
  const p = predictions[0]!;
  const expected: Partial<Prediction> = {
    type: "prototypical",
    name: "386fbb12926e8e015a1483990df913e8410f94ce",
    frequency: 1,
    emotives: {},
    past: [],
    present: [["hello"], ["world"]],
    future: [["test"]],
    matches: ["hello", "world"],
    missing: [[], []],
    extras: [[], []],
    anomalies: [],
    sequence: HELLO,
    similarity: 0.8,
    evidence: 0.6666666666666666,
    confidence: 1.0,
    snr: 1.0,
    fragmentation: 0.0,
    potential: 3.666666666666666,
    itfdf_similarity: 0.9999999999999998,
    entropy: 1.0,
    normalized_entropy: 0.6309297535714574,
    global_normalized_entropy: 0.0,
    tfidf_score: 0.5,
    bayesian_posterior: 1.0,
    bayesian_prior: 1.0,
    bayesian_likelihood: 0.8,
    predictive_information: 0.8,
    pattern_probability: 1.0,
    weighted_strength: 0.8,
    confluence: 0.0,
    weighted_similarity: null,
    weighted_evidence: null,
    weighted_confidence: null,
    weighted_snr: null,
  };
  deepStrictEqual(p, expected);
  deepStrictEqual(future_potentials, [
    { future: [["test"]], aggregate_potential: 1.0, supporting_patterns: 1, total_weighted_frequency: 0.8 },
  ]);
});

Deno.test("predict() uses finalize-training's metrics when the pattern has them", () => {
  const node = nodeOf([HELLO]);
  const stm = [["hello"], ["world"]];
  const stored = finalizeMetrics(HELLO, node);
  const finalized = (name: string) => name === patternName(HELLO) ? stored : undefined;
  const [p] = predict(stm, candidatesOf([HELLO], stm), node, { ...DEFAULTS, finalized }).predictions;
  strictEqual(p!.entropy, 1.584962500721156);
  strictEqual(p!.normalized_entropy, 1.0);
  strictEqual(p!.tfidf_score, 1 / 3);
  strictEqual(p!.global_normalized_entropy, 0.0);
  // Everything else is unchanged.
  strictEqual(p!.potential, 3.666666666666666);
});

Deno.test("predict() returns nothing for an empty state", () => {
  const node = nodeOf([HELLO]);
  deepStrictEqual(predict([], candidatesOf([HELLO], []), node, DEFAULTS), {
    predictions: [],
    future_potentials: [],
  });
});

Deno.test("predict() aligns [b],[c],[b] with [c],[a],[b] by Ratcliff/Obershelp (KATO_REFERENCE §3.2)", () => {
  const pattern = [["b"], ["c"], ["b"]];
  const stm = [["c"], ["a"], ["b"]];
  const [p] = predict(stm, candidatesOf([pattern], stm, 0.5), nodeOf([pattern]), DEFAULTS).predictions;
  strictEqual(p!.similarity, 0.6666666666666665);
  deepStrictEqual(p!.matches, ["b"]);
  deepStrictEqual(p!.past, []);
  deepStrictEqual(p!.present, [["b"]]);
  deepStrictEqual(p!.future, [["c"], ["b"]]);
  deepStrictEqual(p!.extras, [["c"], ["a"], []]);
  strictEqual(p!.snr, 0.0);
  strictEqual(p!.evidence, 1 / 3);
  strictEqual(p!.potential, 2.0);
});

Deno.test("predict() pulls a mid-event first match's event into present (KATO_REFERENCE §3.3)", () => {
  const pattern = [["a", "b"], ["c"], ["d"]];
  const stm = [["b"], ["c"]];
  const [p] = predict(stm, candidatesOf([pattern], stm), nodeOf([pattern]), DEFAULTS).predictions;
  deepStrictEqual(p!.past, []);
  deepStrictEqual(p!.present, [["a", "b"], ["c"]]);
  deepStrictEqual(p!.missing, [["a"], []]);
  deepStrictEqual(p!.future, [["d"]]);
});

Deno.test("predict() lets a duplicate symbol drag a past event into present (KATO_REFERENCE §3.3)", () => {
  const pattern = [["a"], ["a"], ["b"]];
  const stm = [["a"], ["b"]];
  const [p] = predict(stm, candidatesOf([pattern], stm), nodeOf([pattern]), DEFAULTS).predictions;
  deepStrictEqual(p!.past, []);
  deepStrictEqual(p!.present, [["a"], ["a"], ["b"]]);
  deepStrictEqual(p!.missing, [[], [], []]);
  strictEqual(p!.confidence, 2 / 3);
});

Deno.test("predict() at threshold 0 presents a pattern with no match as all missing", () => {
  const patterns = [[["a"], ["b"]], [["x"], ["y"]]];
  const stm = [["z"]];
  const { predictions } = predict(stm, candidatesOf(patterns, stm), nodeOf(patterns), DEFAULTS);
  strictEqual(predictions.length, 2);
  for (const p of predictions) {
    deepStrictEqual(p.matches, []);
    deepStrictEqual(p.past, []);
    deepStrictEqual(p.present, p.sequence);
    deepStrictEqual(p.missing, p.sequence);
    deepStrictEqual(p.extras, [["z"]]);
    strictEqual(p.fragmentation, -1);
    strictEqual(p.snr, -1);
    strictEqual(p.potential, 0.5);
  }
  // Equal on every key: names decide, ascending.
  deepStrictEqual(predictions.map((p) => p.name), [
    "0b546fe2eec70a7c81a07579fb158530cdcb848a",
    "76d7efca2e96cb5eeddf4e06ac96a0f424630135",
  ]);
});

Deno.test("predict() gives a one-symbol state the full path and shape", () => {
  const patterns = [[["alpha"], ["beta"], ["gamma"]], [["beta"], ["alpha"], ["delta"]]];
  const stm = [["alpha"]];
  const { predictions } = predict(stm, candidatesOf(patterns, stm), nodeOf(patterns), DEFAULTS);
  strictEqual(predictions.length, 2);
  const first = predictions.find((p) => p.sequence[0]![0] === "alpha")!;
  deepStrictEqual(first.present, [["alpha"]]);
  deepStrictEqual(first.future, [["beta"], ["gamma"]]);
  strictEqual(first.fragmentation, 0);
});

Deno.test("predict() averages emotives per key and floors frequency at 1", () => {
  const stm = [["hello"], ["world"]];
  const [candidate] = candidatesOf([HELLO], stm);
  const emotives = [{ joy: 1, fear: 0.5 }, { joy: 2 }];
  const [p] = predict(stm, [{ ...candidate!, frequency: 0, emotives }], nodeOf([HELLO]), DEFAULTS)
    .predictions;
  deepStrictEqual(p!.emotives, { joy: 1.5, fear: 0.5 });
  strictEqual(p!.frequency, 1);
});

Deno.test("predict() ranks by rank_sort_algo and cuts to max_predictions", () => {
  const patterns = [[["a"], ["b"], ["c"]], [["a"], ["b"]], [["a"], ["x"], ["y"], ["z"]]];
  const stm = [["a"], ["b"]];
  const candidates = candidatesOf(patterns, stm).map((c, i) => ({ ...c, frequency: [1, 3, 2][i]! }));
  const byFrequency = predict(stm, candidates, nodeOf(patterns), {
    maxPredictions: 2,
    rankSortAlgo: "frequency",
  }).predictions;
  deepStrictEqual(byFrequency.map((p) => p.frequency), [3, 2]);
  const bySimilarity = predict(stm, candidates, nodeOf(patterns), {
    maxPredictions: 3,
    rankSortAlgo: "similarity",
  }).predictions;
  deepStrictEqual(bySimilarity.map((p) => p.similarity), [1, 0.8, 0.33333333333333326]);
});

Deno.test("predict() prunes to 3·max_predictions by pre-potential before the ensemble", () => {
  const patterns = [[["a"], ["b"]], [["a"], ["c"]], [["x"], ["a"], ["b"]], [["q"], ["r"]]];
  const stm = [["a"], ["b"]];
  const candidates = candidatesOf(patterns, stm);
  strictEqual(candidates.length, 4);
  const { predictions } = predict(stm, candidates, nodeOf(patterns), {
    maxPredictions: 1,
    rankSortAlgo: "potential",
  });
  strictEqual(predictions.length, 1);
  // [q],[r] matches nothing (pre-potential -1) and is dropped before the
  // ensemble: priors are over the 3 kept candidates.
  strictEqual(predictions[0]!.bayesian_prior, 1 / 3);
  strictEqual(predictions[0]!.name, patternName([["a"], ["b"]]));
  // Without pruning the same candidate's prior is 1/4.
  const all = predict(stm, candidates, nodeOf(patterns), DEFAULTS).predictions;
  strictEqual(all.find((p) => p.name === predictions[0]!.name)!.bayesian_prior, 1 / 4);
});

Deno.test("rankPredictions() treats -0.0 and 0.0 as a tie and keeps each as computed", () => {
  const p = (name: string, snr: number, similarity: number) => ({ name, snr, similarity }) as Prediction;
  const ranked = rankPredictions([p("b", 0, 0.5), p("a", -0, 0.5), p("c", -0, 0.9)], "snr", 3);
  deepStrictEqual(ranked.map((r) => r.name), ["c", "a", "b"]);
  ok(Object.is(ranked[0]!.snr, -0));
  ok(Object.is(ranked[2]!.snr, 0));
});
