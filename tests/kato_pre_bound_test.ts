import { deepStrictEqual, ok } from "node:assert";
import { alignPattern, patternName, predict } from "../src/kato/mod.ts";
import { AlignmentScorer } from "../src/kato/alignment_score.ts";
import { preUpperBound } from "../src/kato/pre_bound.ts";
import { prePotential } from "../src/kato/ranking.ts";
import type { Candidate, NodeStatistics } from "../src/kato/types.ts";
import { similarity } from "../src/engine/matcher.ts";

function lcs(a: readonly string[], b: readonly string[]): number {
  let previous = new Array(b.length + 1).fill(0);
  for (const x of a) {
    const current = new Array(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      current[j] = x === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    previous = current;
  }
  return previous[b.length];
}

function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function events(rnd: () => number, symbols: number, maxEvents: number): string[][] {
  return Array.from(
    { length: 1 + Math.floor(rnd() * maxEvents) },
    () => Array.from({ length: Math.floor(rnd() * 4) }, () => `s${Math.floor(rnd() * symbols)}`).sort(),
  );
}

Deno.test("preUpperBound() is never below the real pre of an aligned candidate", () => {
  const rnd = random(9);
  for (let round = 0; round < 3000; round++) {
    const pattern = events(rnd, 1 + Math.floor(rnd() * 12), 8);
    const stm = events(rnd, 12, 8);
    const state = stm.flat();
    const flat = pattern.flat();
    if (state.length === 0 || flat.length === 0) continue;
    const a = alignPattern(pattern, stm, state);
    const pre = prePotential(a);
    ok(preUpperBound(lcs(flat, state), flat.length, state.length) >= pre, `round ${round}: bound below ${pre}`);
  }
});

Deno.test("predict() with LCS bounds returns exactly what aligning every candidate returns", () => {
  const rnd = random(4);
  for (let round = 0; round < 40; round++) {
    const stm = events(rnd, 15, 6).filter((e) => e.length > 0);
    const state = stm.flat();
    if (state.length === 0) continue;
    const { candidates, stats } = candidateWorkload(rnd, state, 150);
    const options = { maxPredictions: 1 + (round % 7), rankSortAlgo: "potential" as const };
    const withoutBounds = candidates.map(({ lcs: _lcs, ...rest }) => rest);
    deepStrictEqual(
      predict(stm, candidates, stats, options),
      predict(stm, withoutBounds, stats, options),
      `round ${round}`,
    );
  }
});

/** Ids as the engine's encoder gives them: one per distinct symbol, unknown state symbols -1. */
function encoder(): { encode: (symbols: readonly string[], known: boolean) => Int32Array } {
  const ids = new Map<string, number>();
  return {
    encode: (symbols, known) =>
      Int32Array.from(symbols, (s) => {
        if (!ids.has(s) && known) ids.set(s, ids.size + 1);
        return ids.get(s) ?? -1;
      }),
  };
}

Deno.test("AlignmentScorer gives alignPattern's numbers, on strings and on symbol ids", () => {
  const rnd = random(21);
  for (let round = 0; round < 3000; round++) {
    const pattern = events(rnd, 1 + Math.floor(rnd() * 10), 8).filter((e) => e.length > 0);
    const stm = events(rnd, 14, 8).filter((e) => e.length > 0);
    const state = stm.flat();
    if (state.length === 0 || pattern.length === 0) continue;
    const ids = encoder();
    const encodedPattern = ids.encode(pattern.flat(), true);
    const encodedState = ids.encode(state, false);
    const sizes = pattern.map((e) => e.length);
    const a = alignPattern(pattern, stm, state);
    const expected = { evidence: a.evidence, confidence: a.confidence, snr: a.snr, fragmentation: a.fragmentation };
    deepStrictEqual(new AlignmentScorer(state).score(pattern.flat(), sizes), expected, `round ${round}, strings`);
    deepStrictEqual(
      new AlignmentScorer([...encodedState]).score(encodedPattern, sizes),
      expected,
      `round ${round}, ids`,
    );
  }
});

Deno.test("predict() pruning on symbol ids returns exactly what pruning on strings returns", () => {
  const rnd = random(12);
  for (let round = 0; round < 40; round++) {
    const stm = events(rnd, 18, 6).filter((e) => e.length > 0);
    const state = stm.flat();
    if (state.length === 0) continue;
    const ids = encoder();
    // Symbols s15..s17 are in the state only: unknown to the encoder, -1 there.
    const { candidates, stats } = candidateWorkload(rnd, state, 200, ids);
    const options = { maxPredictions: 1 + (round % 9), rankSortAlgo: "potential" as const };
    const plain = candidates.map(({ lcs: _lcs, encoded: _encoded, ...rest }) => rest);
    deepStrictEqual(
      predict(stm, candidates, stats, { ...options, encodedState: ids.encode(state, false) }),
      predict(stm, plain, stats, options),
      `round ${round}`,
    );
  }
});

/**
 * `count` random candidates over symbols s0..s14 against `state`, with their LCS and the node
 * statistics; with an encoder, their symbol ids too (and no empty events, as the engine has none).
 */
function candidateWorkload(
  rnd: () => number,
  state: string[],
  count: number,
  ids?: ReturnType<typeof encoder>,
): { candidates: Candidate[]; stats: NodeStatistics } {
  const pmf = new Map<string, number>();
  const candidates: Candidate[] = [];
  for (let k = 0; k < count; k++) {
    const drawn = events(rnd, 15, 7);
    const pattern = ids === undefined ? drawn : drawn.filter((e) => e.length > 0);
    const flat = pattern.flat();
    if (flat.length < 2) continue;
    for (const s of new Set(flat)) pmf.set(s, (pmf.get(s) ?? 0) + 1);
    const l = lcs(flat, state);
    candidates.push({
      name: patternName([...pattern, [`k${k}`]]),
      events: pattern,
      length: flat.length,
      frequency: 1 + Math.floor(rnd() * 3),
      emotives: [],
      similarity: similarity(l, flat.length, state.length),
      lcs: l,
      ...(ids === undefined
        ? {}
        : { encoded: { symbols: ids.encode(flat, true), eventSizes: Int32Array.from(pattern, (e) => e.length) } }),
    });
  }
  const stats: NodeStatistics = {
    patternMemberFrequency: (s) => pmf.get(s),
    distinctSymbols: pmf.size,
    totalUniquePatterns: candidates.length,
    totalPatternFrequencies: candidates.length,
  };
  return { candidates, stats };
}
