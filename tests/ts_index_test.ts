import { deepStrictEqual, strictEqual } from "node:assert";
import { type MatchCandidate, similarity } from "../src/engine/matcher.ts";
import { TsIndex } from "../src/engine/ts_index.ts";

/** Plain dynamic-programming LCS: the reference the bit-parallel index must equal. */
function lcsReference(pattern: Int32Array, state: Int32Array): number {
  let previous = new Int32Array(state.length + 1);
  for (const p of pattern) {
    const current = new Int32Array(state.length + 1);
    for (let j = 1; j <= state.length; j++) {
      current[j] = p === state[j - 1] && p > 0 ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    previous = current;
  }
  return previous[state.length]!;
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("TsIndex.query() equals a DP LCS on random patterns, states up to 300 symbols and edge thresholds", () => {
  const rnd = random(42);
  const thresholds = [0, 0.1, 0.5, 2 / 3, 0.6666666666666665, 0.8, 1];
  for (let round = 0; round < 400; round++) {
    const vocabulary = 1 + Math.floor(rnd() * (round % 3 === 0 ? 4 : 60));
    const patterns = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => {
      const length = 1 + Math.floor(rnd() * (round % 5 === 0 ? 200 : 40));
      return Int32Array.from({ length }, () => 1 + Math.floor(rnd() * vocabulary));
    });
    const index = new TsIndex();
    index.add(patterns.map((symbols, id) => ({ id, symbols })));
    const m = Math.floor(rnd() * (round % 4 === 0 ? 300 : 70));
    // Unknown symbols (-1) never match but count towards |S|.
    const state = Int32Array.from({ length: m }, () => rnd() < 0.1 ? -1 : 1 + Math.floor(rnd() * (vocabulary + 3)));
    const threshold = thresholds[round % thresholds.length]!;
    const expected: MatchCandidate[] = patterns
      .map((symbols, id) => {
        const lcs = lcsReference(symbols, state);
        return { id, lcs, similarity: similarity(lcs, symbols.length, m) };
      })
      .filter((c) => c.similarity >= threshold)
      .sort((a, b) => b.similarity - a.similarity || a.id - b.id);
    deepStrictEqual(index.query(state, threshold), expected, `round ${round}`);
  }
});

Deno.test("TsIndex.query() includes a pattern exactly at the threshold and excludes KATO's rounded 2/3", () => {
  const index = new TsIndex();
  index.add([{ id: 7, symbols: Int32Array.of(1, 2, 3) }]);
  strictEqual(index.query(Int32Array.of(1, 2), 0.8).length, 1);
  // LCS 2 of 3+3 symbols: KATO's round trip gives 0.6666666666666665, below 0.6666666666666666.
  strictEqual(index.query(Int32Array.of(1, 2, 9), 2 / 3).length, 0);
  strictEqual(index.query(Int32Array.of(1, 2, 9), 0.6666666666666665).length, 1);
});

Deno.test("TsIndex.clear() empties the index and threshold 0 admits every pattern", () => {
  const index = new TsIndex();
  index.add([{ id: 0, symbols: Int32Array.of(5, 6) }, { id: 1, symbols: Int32Array.of(7) }]);
  deepStrictEqual(index.query(Int32Array.of(9), 0).map((c) => c.id), [0, 1]);
  index.clear();
  strictEqual(index.size, 0);
  deepStrictEqual(index.query(Int32Array.of(5), 0), []);
});
