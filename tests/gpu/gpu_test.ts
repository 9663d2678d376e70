/**
 * The determinism suite on a real GPU (`deno task test:gpu`): libmatcher's CUDA backend must answer
 * exactly as its CPU backend (itself checked against a DP LCS), run after run. Skips, saying why,
 * without libmatcher, without its CUDA backend or without a CUDA device.
 */
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert";
import type { EncodedPattern } from "../../src/engine/matcher.ts";
import {
  cudaAvailability,
  loadMatcher,
  MatcherError,
  MatcherStatus,
  NativeIndex,
} from "../../src/engine/native/mod.ts";
import { EDGE_THRESHOLDS, random, randomPatterns, randomState, referenceQuery } from "../_native_workload.ts";

function skipReason(): string {
  try {
    const { devices, reason } = cudaAvailability(loadMatcher());
    return devices > 0 ? "" : reason;
  } catch (error) {
    return (error as Error).message;
  }
}
const skip = skipReason();
if (skip !== "") console.log(`gpu_test: skipped: ${skip}`);
const ignore = skip !== "";

/** Both backends holding the same patterns. */
function pair(patterns: readonly EncodedPattern[]): { cuda: NativeIndex; cpu: NativeIndex } & Disposable {
  const cuda = NativeIndex.open("cuda");
  const cpu = NativeIndex.open("cpu");
  cuda.add(patterns);
  cpu.add(patterns);
  return {
    cuda,
    cpu,
    [Symbol.dispose]() {
      cuda.close();
      cpu.close();
    },
  };
}

/** Zipf-like symbols over 1..vocabulary (rank r with weight 1/r), the benchmark's distribution. */
function zipf(rnd: () => number, vocabulary: number): () => number {
  const h = Math.log(vocabulary) + 0.5772156649;
  return () => Math.min(vocabulary, Math.max(1, Math.floor(Math.exp(rnd() * h - 0.5772156649))));
}

Deno.test({ name: "gpu: the CUDA device is visible and a bad ordinal is MATCHER_NO_DEVICE", ignore }, () => {
  const lib = loadMatcher();
  ok(lib.symbols.matcher_device_count() >= 1);
  throws(
    () => NativeIndex.open("cuda", 99),
    (e: unknown) => e instanceof MatcherError && e.code === MatcherStatus.NO_DEVICE,
  );
  using index = NativeIndex.open("cuda");
  const stats = index.stats();
  strictEqual(stats.backend, "cuda");
  strictEqual(stats.device, 0);
  ok(stats.deviceName.length > 0);
  console.log(`gpu_test: device 0 is ${stats.deviceName}`);
});

Deno.test(
  { name: "gpu: CUDA equals CPU (and a DP LCS) on random workloads, states up to 700 symbols", ignore },
  async () => {
    const rnd = random(314159);
    let found = 0;
    for (let round = 0; round < 16; round++) {
      const vocabulary = [3, 12, 60, 1000][round % 4]!;
      const patterns = randomPatterns(rnd, {
        patterns: 100 + Math.floor(rnd() * 900),
        vocabulary,
        maxPatternLength: round % 4 === 1 ? 700 : 120,
      });
      using p = pair(patterns.slice(0, 10));
      // Many small adds, as promotions do: open groups get filled and rewritten.
      for (let at = 10; at < patterns.length;) {
        const n = 1 + Math.floor(rnd() * 150);
        p.cuda.add(patterns.slice(at, at + n));
        p.cpu.add(patterns.slice(at, at + n));
        at += n;
      }
      for (let q = 0; q < 8; q++) {
        const m = 1 + Math.floor(rnd() * (q % 4 === 0 ? 700 : q % 4 === 1 ? 256 : 64));
        const state = randomState(rnd, patterns, m, vocabulary);
        const threshold = EDGE_THRESHOLDS[Math.floor(rnd() * EDGE_THRESHOLDS.length)]!;
        const cpu = await p.cpu.query(state, threshold);
        found += cpu.length;
        deepStrictEqual(
          await p.cuda.query(state, threshold),
          cpu,
          `round ${round}, query ${q}: m ${m}, t ${threshold}`,
        );
        if (q === 0) deepStrictEqual(cpu, referenceQuery(patterns, state, threshold));
      }
    }
    ok(found > 2000, `the workload produced only ${found} candidates`);
  },
);

Deno.test(
  { name: "gpu: queryBatch() on CUDA equals per-state CPU answers for mixed state lengths", ignore },
  async () => {
    const rnd = random(2718);
    const patterns = randomPatterns(rnd, { patterns: 20000, vocabulary: 40, maxPatternLength: 300 });
    using p = pair(patterns);
    // 1..320 symbols: one to five 64-bit words, so fast passes of every width and the general path.
    const states = Array.from({ length: 45 }, (_, i) => randomState(rnd, patterns, 1 + ((i * 53) % 320), 40));
    for (const threshold of [0, 0.3, 0.5, 2 / 3]) {
      const gpu = await p.cuda.queryBatch(states, threshold);
      const cpu = await p.cpu.queryBatch(states, threshold);
      deepStrictEqual(gpu, cpu, `threshold ${threshold}`);
      deepStrictEqual(gpu[7], await p.cuda.query(states[7]!, threshold));
    }
  },
);

Deno.test({ name: "gpu: many patterns, Zipf symbols over 70,000 ids (16- then 32-bit storage)", ignore }, async () => {
  const rnd = random(1618);
  const draw = zipf(rnd, 50000);
  const make = (count: number, first: number, big: boolean): EncodedPattern[] =>
    Array.from({ length: count }, (_, i) => ({
      id: first + i,
      symbols: Int32Array.from(
        { length: 10 + Math.floor(rnd() * 81) },
        () => big && rnd() < 0.1 ? 65536 + draw() : draw(),
      ),
    }));
  const patterns = make(150000, 0, false);
  using p = pair(patterns);
  strictEqual(p.cuda.stats().symbolBits, 16);
  const states = Array.from({ length: 6 }, () => Int32Array.from({ length: 50 }, draw));
  states.push(patterns[123]!.symbols.slice(0, 50));
  for (const threshold of [0, 0.15, 0.5]) {
    deepStrictEqual(await p.cuda.queryBatch(states, threshold), await p.cpu.queryBatch(states, threshold));
  }
  const more = make(50000, 150000, true);
  p.cuda.add(more);
  p.cpu.add(more);
  strictEqual(p.cuda.stats().symbolBits, 32);
  states.push(Int32Array.from({ length: 50 }, () => 65536 + draw()));
  for (const threshold of [0, 0.2, 0.5]) {
    deepStrictEqual(await p.cuda.queryBatch(states, threshold), await p.cpu.queryBatch(states, threshold));
  }
  const stats = p.cuda.stats();
  strictEqual(stats.patterns, 200000);
  ok(stats.deviceBytes > 0);
});

Deno.test({ name: "gpu: capacity edges around the in-shared-memory sort limit (4096)", ignore }, async () => {
  const rnd = random(4096);
  for (const count of [4095, 4096, 4097, 9000]) {
    const patterns = randomPatterns(rnd, { patterns: count, vocabulary: 5, maxPatternLength: 40 });
    using p = pair(patterns);
    const state = randomState(rnd, patterns, 30, 5);
    const all = await p.cpu.query(state, 0);
    strictEqual(all.length, count);
    for (const capacity of [0, 1, 4095, 4096, 4097, count]) {
      const top = await p.cuda.queryTop([state, state], 0, capacity);
      deepStrictEqual(top.totals, [count, count]);
      deepStrictEqual(top.candidates[0], all.slice(0, capacity), `count ${count}, capacity ${capacity}`);
      deepStrictEqual(top.candidates[1], top.candidates[0]);
    }
    deepStrictEqual(await p.cuda.query(state, 0), all);
  }
});

Deno.test({ name: "gpu: repeated and concurrent runs give identical answers", ignore }, async () => {
  const rnd = random(77);
  const patterns = randomPatterns(rnd, { patterns: 50000, vocabulary: 30, maxPatternLength: 90 });
  using p = pair(patterns);
  const states = Array.from({ length: 16 }, () => randomState(rnd, patterns, 50, 30));
  const first = await p.cuda.queryBatch(states, 0.4);
  for (let run = 0; run < 5; run++) deepStrictEqual(await p.cuda.queryBatch(states, 0.4), first);
  deepStrictEqual(await Promise.all(states.map((s) => p.cuda.query(s, 0.4))), first);
  deepStrictEqual(first, await p.cpu.queryBatch(states, 0.4));
});

Deno.test(
  { name: "gpu: injected faults fail one call with CUDA_ERROR and leave the index usable", ignore },
  async () => {
    using index = NativeIndex.open("cuda");
    index.add([{ id: 0, symbols: Int32Array.of(1, 2, 3) }]);
    index.injectFault("query");
    await rejects(
      index.query(Int32Array.of(1, 2, 3), 0.5),
      (e: unknown) => e instanceof MatcherError && e.code === MatcherStatus.CUDA_ERROR,
    );
    deepStrictEqual(await index.query(Int32Array.of(1, 2, 3), 0.5), [{ id: 0, lcs: 3, similarity: 1 }]);
    index.injectFault("add");
    throws(() => index.add([{ id: 1, symbols: Int32Array.of(4) }]), MatcherError);
    strictEqual(index.size, 1);
    index.clear();
    strictEqual(index.stats().patterns, 0);
  },
);
