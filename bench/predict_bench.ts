/**
 * `deno task bench` microbenchmarks of KATO's prediction after matching: `predict()` over a real
 * query's candidates (10K patterns of the scale workload) at thresholds 0.5 and 0.1, and one
 * candidate's alignment. At 0.1 most patterns are candidates and this, not matching, is the cost.
 *
 * @module
 */

import { alignPattern } from "../src/kato/alignment.ts";
import { predict } from "../src/kato/predict.ts";
import type { Candidate, NodeStatistics } from "../src/kato/types.ts";
import { encodedOf } from "../src/engine/matcher.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { Dataset, DEFAULT_DATASET } from "./_dataset.ts";

const PATTERNS = 10_000;
const dataset = new Dataset({ ...DEFAULT_DATASET, patterns: PATTERNS });
const { lengths, symbols } = dataset.columns(0, PATTERNS);
const index = new TsIndex();
index.add(encodedOf(Int32Array.from({ length: PATTERNS }, (_, i) => i), lengths, symbols));
const members = new Map<string, number>();
for (let k = 0; k < PATTERNS; k++) {
  for (const symbol of new Set(dataset.events(k).flat())) members.set(symbol, (members.get(symbol) ?? 0) + 1);
}
const stats: NodeStatistics = {
  patternMemberFrequency: (symbol) => members.get(symbol),
  distinctSymbols: members.size,
  totalUniquePatterns: PATTERNS,
  totalPatternFrequencies: PATTERNS,
};
const stm = dataset.stateEvents(0, 50);
const state = dataset.stateSymbols(0, 50);

for (const threshold of [0.5, 0.1]) {
  const candidates: Candidate[] = index.query(state, threshold).map((match) => ({
    name: dataset.name(match.id),
    events: dataset.events(match.id),
    length: dataset.lengthOf(match.id),
    frequency: 1,
    emotives: [],
    similarity: match.similarity,
    lcs: match.lcs,
  }));
  Deno.bench({
    name: `predict(), ${candidates.length} candidates of 10K patterns, t=${threshold}`,
    group: "predict",
    fn: () => void predict(stm, candidates, stats, { maxPredictions: 100, rankSortAlgo: "potential" }),
  });
}

const flat = stm.flat();
const one = dataset.events(0);
Deno.bench({
  name: "alignPattern(), one 10..90-symbol pattern, state of 50",
  fn: () => void alignPattern(one, stm, flat),
});
