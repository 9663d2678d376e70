// Golden vectors from CPython 3.11 (tools/gen_golden.py): every field exact,
// except the logarithm-based ensemble metrics, which must agree within 1e-9
// relative (JavaScript's and C's libm may round an ulp apart).

import { deepStrictEqual, ok, strictEqual } from "node:assert";
import {
  alignPattern,
  codePoints,
  differPlusCount,
  type Event,
  type FinalizedMetrics,
  flatten,
  katoComparePlusCount,
  lcsLength,
  lcsSimilarity,
  type Opcode,
  patternName,
  predict,
  type Prediction,
  pyReprEvents,
  type RankField,
  SequenceMatcher,
  sortSymbols,
} from "../src/kato/mod.ts";

interface AlignmentCase {
  pattern: Event[];
  stm: Event[];
  name: string;
  lcs: number;
  similarity: number;
  blocks: [number, number, number][];
  matches: string[];
  past_flat: string[];
  present_flat: string[];
  fragmentation: number;
  E: number;
  E_differ: number;
  past: Event[];
  present: Event[];
  future: Event[];
  missing: Event[];
  extras: Event[];
  evidence: number;
  confidence: number;
  snr: number;
}

interface MatcherCase {
  a: string[] | string;
  b: string[] | string;
  autojunk: boolean;
  chars: boolean;
  blocks: [number, number, number][];
  opcodes: Opcode[];
  ratio: number;
  quick_ratio: number;
  real_quick_ratio: number;
}

interface EnsembleCase {
  stm: Event[];
  stats: { pmf: Record<string, number>; T: number; U: number; total_pattern_frequencies: number };
  candidates: {
    name: string;
    events: Event[];
    length: number;
    frequency: number;
    emotives: Record<string, number>[];
    similarity: number;
  }[];
  options: { max_predictions: number; rank_sort_algo: RankField };
  finalized: Record<string, FinalizedMetrics>;
  expected: {
    predictions: Prediction[];
    future_potentials: { future: Event[]; supporting_patterns: number }[];
  };
}

const read = async (name: string) => JSON.parse(await Deno.readTextFile(new URL(`./golden/${name}`, import.meta.url)));
const golden = await read("alignment.json") as {
  sort: { input: string[]; sorted: string[] }[];
  repr: { events: Event[]; repr: string; name: string }[];
  matchers: MatcherCase[];
  differs: { a: string[]; b: string[]; plus: number }[];
  alignment: AlignmentCase[];
};
const ensemble = (await read("ensemble.json")).cases as EnsembleCase[];

/** `|a − b| <= 1e-9·max(|a|, |b|)`; exact equality passes (also for zeros). */
function assertClose(actual: number, expected: number, what: string): void {
  const ok = actual === expected ||
    Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(actual), Math.abs(expected));
  if (!ok) throw new Error(`${what}: ${actual} differs from ${expected} by more than 1e-9`);
}

Deno.test("sortSymbols() orders like Python's sorted()", () => {
  ok(golden.sort.length > 0);
  for (const c of golden.sort) deepStrictEqual(sortSymbols(c.input), c.sorted);
});

Deno.test("pyReprEvents() and patternName() match CPython's repr and SHA-1", () => {
  for (const c of golden.repr) {
    strictEqual(pyReprEvents(c.events), c.repr);
    strictEqual(patternName(c.events), c.name);
  }
});

Deno.test("SequenceMatcher matches CPython's difflib on tokens and characters", () => {
  for (const c of golden.matchers) {
    const seq = (x: string[] | string) => typeof x === "string" ? codePoints(x) : x;
    const sm = new SequenceMatcher<string | number>(seq(c.a), seq(c.b), { autojunk: c.autojunk });
    deepStrictEqual(sm.getMatchingBlocks().map((m) => [m.a, m.b, m.size]), c.blocks);
    deepStrictEqual(sm.getOpcodes(), c.opcodes);
    strictEqual(sm.ratio(), c.ratio);
    strictEqual(sm.quickRatio(), c.quick_ratio);
    strictEqual(sm.realQuickRatio(), c.real_quick_ratio);
  }
});

Deno.test("differPlusCount() counts the '+ ' lines of CPython's Differ", () => {
  for (const c of golden.differs) strictEqual(differPlusCount(c.a, c.b), c.plus);
  for (const c of golden.alignment) {
    strictEqual(differPlusCount(c.present_flat, flatten(c.stm)), c.E_differ);
  }
});

Deno.test("katoComparePlusCount() gives KATO's extras count E", () => {
  for (const c of golden.alignment) {
    const e = c.present_flat.length === 0 ? 0 : katoComparePlusCount(c.present_flat, flatten(c.stm));
    strictEqual(e, c.E);
  }
});

Deno.test("lcsSimilarity() and patternName() match the reference", () => {
  for (const c of golden.alignment) {
    const p = flatten(c.pattern), s = flatten(c.stm);
    strictEqual(lcsLength(p, s), c.lcs);
    strictEqual(lcsSimilarity(p, s), c.similarity);
    strictEqual(patternName(c.pattern), c.name);
  }
});

Deno.test("alignPattern() matches the reference on every field", () => {
  ok(golden.alignment.length > 250);
  for (const [i, c] of golden.alignment.entries()) {
    const a = alignPattern(c.pattern, c.stm);
    const actual = {
      blocks: a.blocks.map((m) => [m.a, m.b, m.size]),
      matches: a.matches,
      past_flat: a.pastFlat,
      present_flat: a.presentFlat,
      fragmentation: a.fragmentation,
      E: a.extrasCount,
      past: a.past,
      present: a.present,
      future: a.future,
      missing: a.missing,
      extras: a.extras,
      evidence: a.evidence,
      confidence: a.confidence,
      snr: a.snr,
    };
    const { pattern: _p, stm: _s, name: _n, lcs: _l, similarity: _sim, E_differ: _e, ...expected } = c;
    deepStrictEqual(actual, expected, `alignment case ${i}`);
  }
});

const APPROXIMATE = new Set<keyof Prediction>([
  "entropy",
  "normalized_entropy",
  "global_normalized_entropy",
  "tfidf_score",
  "confluence",
]);

Deno.test("predict() matches the reference on whole requests", () => {
  ok(ensemble.length > 40);
  for (const [i, c] of ensemble.entries()) {
    const stats = {
      patternMemberFrequency: (s: string) => Object.hasOwn(c.stats.pmf, s) ? c.stats.pmf[s] : undefined,
      distinctSymbols: c.stats.T,
      totalUniquePatterns: c.stats.U,
      totalPatternFrequencies: c.stats.total_pattern_frequencies,
    };
    const result = predict(c.stm, c.candidates, stats, {
      maxPredictions: c.options.max_predictions,
      rankSortAlgo: c.options.rank_sort_algo,
      finalized: (name) => c.finalized[name],
    });
    const where = `ensemble case ${i}`;
    deepStrictEqual(
      result.predictions.map((p) => p.name),
      c.expected.predictions.map((p) => p.name),
      where,
    );
    for (const [k, expected] of c.expected.predictions.entries()) {
      const actual = result.predictions[k]!;
      for (const key of Object.keys(expected) as (keyof Prediction)[]) {
        if (APPROXIMATE.has(key)) {
          assertClose(actual[key] as number, expected[key] as number, `${where} ${key}`);
        } else {
          deepStrictEqual(actual[key], expected[key], `${where} ${expected.name} ${key}`);
        }
      }
      deepStrictEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    }
    deepStrictEqual(result.future_potentials, c.expected.future_potentials, where);
  }
});
