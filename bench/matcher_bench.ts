/**
 * `deno task bench` microbenchmarks of matching: the TypeScript index against libmatcher's CPU backend
 * (and the GPU where there is one) on the scale run's workload at 10K patterns, one state per call and
 * 16 per call, at thresholds 0.5 and 0.1. Native rows are left out, saying why, without libmatcher.
 *
 * @module
 */

import { encodedOf } from "../src/engine/matcher.ts";
import { NativeIndex, tryOpenNative } from "../src/engine/native/mod.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { Dataset, DEFAULT_DATASET } from "./_dataset.ts";

const PATTERNS = 10_000;
const dataset = new Dataset({ ...DEFAULT_DATASET, patterns: PATTERNS });
const { lengths, symbols } = dataset.columns(0, PATTERNS);
const ids = Int32Array.from({ length: PATTERNS }, (_, i) => i);
const states = Array.from({ length: 64 }, (_, q) => dataset.stateSymbols(q, 50));

const ts = new TsIndex();
ts.add(encodedOf(ids, lengths, symbols));
const natives: NativeIndex[] = [];
for (const backend of ["cpu", "cuda"] as const) {
  const { index, reason } = tryOpenNative(backend);
  if (index === null) {
    console.error(`matcher_bench: no ${backend} rows: ${reason}`);
    continue;
  }
  index.addEncoded(ids, lengths, symbols);
  natives.push(index);
}
globalThis.addEventListener("unload", () => natives.forEach((index) => index.close()));

for (const threshold of [0.5, 0.1]) {
  let next = 0;
  const state = () => states[next++ % states.length]!;
  Deno.bench({
    name: `TsIndex.query(), 10K patterns, t=${threshold}`,
    group: `one state, t=${threshold}`,
    baseline: true,
    fn: () => void ts.query(state(), threshold),
  });
  for (const index of natives) {
    Deno.bench({
      name: `NativeIndex(${index.backend}).query(), 10K patterns, t=${threshold}`,
      group: `one state, t=${threshold}`,
      fn: async () => void await index.query(state(), threshold),
    });
    Deno.bench({
      name: `NativeIndex(${index.backend}).queryBatch() of 16, 10K patterns, t=${threshold}`,
      group: `16 states, t=${threshold}`,
      fn: async () => void await index.queryBatch(Array.from({ length: 16 }, state), threshold),
    });
  }
}
