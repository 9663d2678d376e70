/**
 * libmatcher through FFI on its CPU backend: the ABI, errors, and a differential test against a
 * plain DP LCS. Skips, saying why, where libmatcher is not built (`deno task build:native`).
 */
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert";
import { similarity } from "../src/engine/matcher.ts";
import { loadMatcher, MatcherError, MatcherStatus, NativeIndex, tryOpenNative } from "../src/engine/native/mod.ts";
import { EDGE_THRESHOLDS, random, randomPatterns, randomState, referenceQuery } from "./_native_workload.ts";

let skip = "";
try {
  loadMatcher();
} catch (error) {
  skip = (error as Error).message;
  console.log(`native_test: skipped: ${skip}`);
}
const ignore = skip !== "";

Deno.test({ name: "loadMatcher() loads a 1.x libmatcher and reports where from", ignore }, () => {
  const lib = loadMatcher();
  strictEqual(Math.floor(lib.version / 10000), 1);
  ok(lib.path.endsWith(".so"));
  strictEqual(loadMatcher(), lib);
});

Deno.test({ name: "NativeIndex.open('cpu') answers a small known query", ignore }, async () => {
  using index = NativeIndex.open("cpu");
  index.add([
    { id: 10, symbols: Int32Array.of(1, 2, 3) },
    { id: 11, symbols: Int32Array.of(1, 2, 4, 5) },
    { id: 12, symbols: Int32Array.of(7, 8) },
    { id: 13, symbols: Int32Array.of(3, 2, 1) },
  ]);
  strictEqual(index.size, 4);
  strictEqual(index.backend, "cpu");
  // |S| = 4: the unknown symbol counts but never matches.
  deepStrictEqual(await index.query(Int32Array.of(1, 2, 3, -1), 0.5), [
    { id: 10, lcs: 3, similarity: similarity(3, 3, 4) },
    { id: 11, lcs: 2, similarity: 0.5 },
  ]);
  const stats = index.stats();
  strictEqual(stats.patterns, 4);
  strictEqual(stats.symbols, 12);
  strictEqual(stats.backend, "cpu");
  strictEqual(stats.device, -1);
  ok(stats.threads >= 1);
});

Deno.test({ name: "NativeIndex errors carry the C status as MatcherError.code", ignore }, async () => {
  using index = NativeIndex.open("cpu");
  index.add([{ id: 1, symbols: Int32Array.of(5) }]);
  const duplicate = throws(
    () => index.add([{ id: 1, symbols: Int32Array.of(6) }]),
    (e: unknown) =>
      e instanceof MatcherError && e.code === MatcherStatus.INVALID_ARGUMENT &&
      e.status === "MATCHER_INVALID_ARGUMENT" && /id 1 is already present/.test(e.message) &&
      e.message.startsWith("Cannot add patterns: MATCHER_INVALID_ARGUMENT: "),
  );
  strictEqual(duplicate, undefined);
  throws(() => index.add([{ id: 2, symbols: Int32Array.of(0) }]), MatcherError);
  throws(() => index.add([{ id: -3, symbols: Int32Array.of(1) }]), MatcherError);
  await rejects(
    index.query(Int32Array.of(5), Number.NaN),
    (e: unknown) => e instanceof MatcherError && e.code === MatcherStatus.INVALID_ARGUMENT && /NaN/.test(e.message),
  );
  throws(() => NativeIndex.open("tpu" as "cpu"), TypeError);
  throws(() => NativeIndex.open("cuda", -1), MatcherError);
  // A failed add changes nothing, also when the duplicate comes late in the batch.
  throws(
    () => index.add([{ id: 7, symbols: Int32Array.of(5) }, { id: 7, symbols: Int32Array.of(5) }]),
    MatcherError,
  );
  strictEqual(index.size, 1);
  deepStrictEqual((await index.query(Int32Array.of(5), 0)).map((c) => c.id), [1]);
  index.add([{ id: 7, symbols: Int32Array.of(5) }]);
  deepStrictEqual((await index.query(Int32Array.of(5), 0)).map((c) => c.id), [1, 7]);
});

Deno.test({ name: "NativeIndex after close() throws BadResource; close() is idempotent", ignore }, async () => {
  const index = NativeIndex.open("cpu");
  index.add([{ id: 0, symbols: Int32Array.of(1) }]);
  index.close();
  index.close();
  ok(index.closed);
  throws(() => index.add([{ id: 1, symbols: Int32Array.of(1) }]), Deno.errors.BadResource);
  await rejects(index.query(Int32Array.of(1), 0), Deno.errors.BadResource);
  throws(() => index.stats(), Deno.errors.BadResource);
});

Deno.test({ name: "NativeIndex.close() during a query lets the query finish", ignore }, async () => {
  const index = NativeIndex.open("cpu");
  const rnd = random(7);
  const patterns = randomPatterns(rnd, { patterns: 20000, vocabulary: 50, maxPatternLength: 60 });
  index.add(patterns);
  const pending = index.query(randomState(rnd, patterns, 40, 50), 0.3);
  index.close();
  const answer = await pending;
  ok(Array.isArray(answer));
  ok(index.closed);
});

Deno.test({ name: "NativeIndex.injectFault('query') fails the next query once with CUDA_ERROR", ignore }, async () => {
  using index = NativeIndex.open("cpu");
  index.add([{ id: 0, symbols: Int32Array.of(1, 2) }]);
  index.injectFault("query");
  await rejects(
    index.query(Int32Array.of(1, 2), 0.5),
    (e: unknown) => e instanceof MatcherError && e.code === MatcherStatus.CUDA_ERROR && /injected/.test(e.message),
  );
  strictEqual((await index.query(Int32Array.of(1, 2), 0.5)).length, 1);
  index.injectFault("add");
  throws(() => index.add([{ id: 1, symbols: Int32Array.of(3) }]), MatcherError);
  strictEqual(index.size, 1);
  index.add([{ id: 1, symbols: Int32Array.of(3) }]);
  strictEqual(index.size, 2);
});

Deno.test({ name: "NativeIndex (cpu) equals a DP LCS on random workloads and edge thresholds", ignore }, async () => {
  const rnd = random(20240611);
  let found = 0;
  for (let round = 0; round < 24; round++) {
    const vocabulary = [3, 12, 60, 1000][round % 4]!;
    const patterns = randomPatterns(rnd, {
      patterns: 50 + Math.floor(rnd() * 400),
      vocabulary,
      maxPatternLength: round % 3 === 0 ? 300 : 90,
    });
    using index = NativeIndex.open("cpu");
    // Two adds, so lengths already present get appended to.
    const half = Math.floor(patterns.length / 2);
    index.add(patterns.slice(0, half));
    index.add(patterns.slice(half));
    for (let q = 0; q < 6; q++) {
      const m = 1 + Math.floor(rnd() * (q % 3 === 0 ? 300 : 80));
      const state = randomState(rnd, patterns, m, vocabulary);
      const threshold = EDGE_THRESHOLDS[Math.floor(rnd() * EDGE_THRESHOLDS.length)]!;
      const expected = referenceQuery(patterns, state, threshold);
      found += expected.length;
      deepStrictEqual(
        await index.query(state, threshold),
        expected,
        `round ${round}, query ${q}: m ${m}, t ${threshold}`,
      );
    }
  }
  ok(found > 2000, `the workload produced only ${found} candidates`);
});

Deno.test({ name: "NativeIndex (cpu) equals a DP LCS with symbol ids beyond 2^24", ignore }, async () => {
  const rnd = random(2 ** 24);
  const base = randomPatterns(rnd, { patterns: 300, vocabulary: 40, maxPatternLength: 80 });
  // Large ids: the CPU backend switches from its direct symbol table to a hash.
  const patterns = base.map((p) => ({ id: p.id, symbols: p.symbols.map((s) => s * 1_000_003) }));
  using index = NativeIndex.open("cpu");
  index.add(patterns);
  for (let q = 0; q < 12; q++) {
    const state = randomState(rnd, patterns, 1 + Math.floor(rnd() * 150), 40).map((s) => s > 40 ? s : s * 1_000_003);
    const threshold = EDGE_THRESHOLDS[q % EDGE_THRESHOLDS.length]!;
    deepStrictEqual(await index.query(state, threshold), referenceQuery(patterns, state, threshold));
  }
});

Deno.test({ name: "NativeIndex handles empty states, empty patterns and an empty index", ignore }, async () => {
  using index = NativeIndex.open("cpu");
  deepStrictEqual(await index.query(Int32Array.of(1, 2), 0), []);
  index.add([{ id: 0, symbols: new Int32Array(0) }, { id: 1, symbols: Int32Array.of(4, 4) }]);
  const patterns = [{ id: 0, symbols: new Int32Array(0) }, { id: 1, symbols: Int32Array.of(4, 4) }];
  for (const state of [new Int32Array(0), Int32Array.of(-1, -1), Int32Array.of(4)]) {
    for (const threshold of [0, 0.5, 1]) {
      deepStrictEqual(await index.query(state, threshold), referenceQuery(patterns, state, threshold));
    }
  }
});

Deno.test(
  { name: "NativeIndex.queryTop() keeps the best `capacity` candidates and the full total", ignore },
  async () => {
    const rnd = random(99);
    const patterns = randomPatterns(rnd, { patterns: 3000, vocabulary: 6, maxPatternLength: 30 });
    using index = NativeIndex.open("cpu");
    index.add(patterns);
    const state = randomState(rnd, patterns, 20, 6);
    const all = referenceQuery(patterns, state, 0.3);
    ok(all.length > 1500, `workload too easy: ${all.length} candidates`);
    for (const capacity of [0, 1, 7, 1024, all.length - 1, all.length, all.length + 5]) {
      const top = await index.queryTop([state], 0.3, capacity);
      deepStrictEqual(top.totals, [all.length]);
      deepStrictEqual(top.candidates[0], all.slice(0, capacity), `capacity ${capacity}`);
    }
    // query() returns every candidate even beyond the initial capacity.
    deepStrictEqual(await index.query(state, 0.3), all);
  },
);

Deno.test({ name: "NativeIndex.queryBatch() equals query() per state", ignore }, async () => {
  const rnd = random(5);
  const patterns = randomPatterns(rnd, { patterns: 2000, vocabulary: 20, maxPatternLength: 120 });
  using index = NativeIndex.open("cpu");
  index.add(patterns);
  const states = Array.from({ length: 19 }, (_, i) => randomState(rnd, patterns, 1 + ((i * 37) % 280), 20));
  for (const threshold of [0.2, 0.5, 2 / 3]) {
    const batch = await index.queryBatch(states, threshold);
    const single = await Promise.all(states.map((s) => index.query(s, threshold)));
    deepStrictEqual(batch, single);
    deepStrictEqual(batch[3], referenceQuery(patterns, states[3]!, threshold));
  }
});

Deno.test(
  { name: "NativeIndex coalesces concurrent queries into few calls, each answer its own", ignore },
  async () => {
    const rnd = random(11);
    const patterns = randomPatterns(rnd, { patterns: 3000, vocabulary: 30, maxPatternLength: 90 });
    using index = NativeIndex.open("cpu");
    index.add(patterns);
    const queries = Array.from({ length: 40 }, (_, i) => ({
      state: randomState(rnd, patterns, 5 + ((i * 13) % 60), 30),
      threshold: i % 3 === 0 ? 0.6 : 0.3,
    }));
    const before = index.calls;
    const answers = await Promise.all(queries.map((q) => index.query(q.state, q.threshold)));
    const calls = index.calls - before;
    ok(calls < queries.length / 2, `40 concurrent queries took ${calls} calls`);
    queries.forEach((q, i) =>
      deepStrictEqual(answers[i], referenceQuery(patterns, q.state, q.threshold), `query ${i}`)
    );
    // A lone query still goes at once, in one call.
    const lone = index.calls;
    await index.query(queries[0]!.state, 0.6);
    strictEqual(index.calls, lone + 1);
  },
);

Deno.test({ name: "NativeIndex.clear() removes every pattern; ids can be reused", ignore }, async () => {
  using index = NativeIndex.open("cpu");
  index.add([{ id: 0, symbols: Int32Array.of(1) }]);
  index.clear();
  strictEqual(index.size, 0);
  deepStrictEqual(await index.query(Int32Array.of(1), 0), []);
  index.add([{ id: 0, symbols: Int32Array.of(1) }]);
  deepStrictEqual(await index.query(Int32Array.of(1), 0), [{ id: 0, lcs: 1, similarity: 1 }]);
});

Deno.test({ name: "tryOpenNative('cpu') opens the CPU backend; 'auto' always opens something here", ignore }, () => {
  const cpu = tryOpenNative("cpu");
  ok(cpu.index !== null, cpu.reason);
  strictEqual(cpu.index.backend, "cpu");
  cpu.index.close();
  const auto = tryOpenNative("auto");
  ok(auto.index !== null, auto.reason);
  auto.index.close();
});
