/**
 * Writes a seeded synthetic dataset (`_dataset.ts`) straight into a store, as an import would: the
 * patterns with their KATO names, the vocabulary in rank order, every symbol's statistics and the
 * node's totals, exactly what learning the same patterns once each would leave. Resumable: a store
 * already holding some of the dataset's patterns gets the rest. Ranges are generated on worker threads
 * (`_seed_worker.ts`) and written here in dataset order, so every run stores the same patterns in the
 * same order. Used by `gen_dataset.ts` and `scale.ts`.
 *
 * @module
 */

import type { PatternStore, SymbolStats } from "../src/store/types.ts";
import type { Dataset } from "./_dataset.ts";
import type { SeedBatch, SeedTask } from "./_seed_worker.ts";

/** How much was written and how long it took. */
export interface SeedReport {
  patterns: number;
  written: number;
  symbols: number;
  seconds: number;
}

const BATCH = 25_000;

/** Generation threads: the cores but the writer's, at least one. */
const WORKERS = Math.max(1, Math.min(15, navigator.hardwareConcurrency - 1));

/** Seeds `nodeId` of an open store with `dataset`, logging progress to `log`. */
export async function seedStore(
  store: PatternStore,
  nodeId: string,
  dataset: Dataset,
  log: (line: string) => void = () => {},
): Promise<SeedReport> {
  const started = performance.now();
  const { patterns, vocabulary } = dataset.spec;
  const present = await store.countPatterns(nodeId);
  if ((await store.loadVocabulary()).length === 0) {
    // Ids in rank order keep every id below 65,536, so the device stores 16-bit symbols.
    await store.appendVocabulary(1, Array.from({ length: vocabulary }, (_, k) => `s${k + 1}`));
  }
  const frequency = new Float64Array(vocabulary + 1);
  const members = new Float64Array(vocabulary + 1);
  let symbolsTotal = 0;
  let written = 0;
  const workers = Array.from(
    { length: WORKERS },
    () => new Worker(new URL("./_seed_worker.ts", import.meta.url), { type: "module" }),
  );
  try {
    // Ranges go to the workers round-robin and come back in the order sent (a worker answers in
    // order), at most two ranges per worker in flight so memory stays bounded.
    type Reply = { resolve: (batch: SeedBatch) => void; reject: (error: Error) => void };
    const replies = workers.map(() => [] as Reply[]);
    workers.forEach((worker, w) => {
      worker.onmessage = (event: MessageEvent<SeedBatch>) => replies[w]!.shift()?.resolve(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        for (const reply of replies[w]!.splice(0)) reply.reject(new Error(`seed worker failed: ${event.message}`));
      };
    });
    const ranges: SeedTask[] = [];
    for (let start = 0; start < patterns; start += BATCH) {
      // The dataset is generated in order, so the first `present` patterns are the ones already stored.
      ranges.push({
        spec: dataset.spec,
        start,
        count: Math.min(BATCH, patterns - start),
        rows: start + BATCH > present,
      });
    }
    const pending: Promise<SeedBatch>[] = [];
    const send = (r: number) => {
      const w = r % workers.length;
      pending[r] = new Promise((resolve, reject) => replies[w]!.push({ resolve, reject }));
      // Awaited in order below; a failure while an earlier range is written must not go unhandled.
      pending[r].catch(() => {});
      workers[w]!.postMessage(ranges[r]!);
    };
    for (let r = 0; r < Math.min(ranges.length, 2 * workers.length); r++) send(r);
    for (let r = 0; r < ranges.length; r++) {
      const batch = await pending[r]!;
      if (r + 2 * workers.length < ranges.length) send(r + 2 * workers.length);
      for (let rank = 1; rank <= vocabulary; rank++) {
        frequency[rank]! += batch.frequency[rank]!;
        members[rank]! += batch.members[rank]!;
      }
      symbolsTotal += batch.symbols;
      const fresh = batch.patterns.slice(Math.max(0, present - batch.start));
      if (fresh.length === 0) continue;
      await store.importPatterns(nodeId, fresh);
      written += fresh.length;
      if (written % (BATCH * 8) === 0 || r === ranges.length - 1) {
        const seconds = (performance.now() - started) / 1000;
        log(`seeded ${batch.start + batch.patterns.length}/${patterns} patterns (${seconds.toFixed(1)} s)`);
      }
    }
  } finally {
    for (const worker of workers) worker.terminate();
  }
  const stats = new Map<string, SymbolStats>();
  for (let rank = 1; rank <= vocabulary; rank++) {
    if (frequency[rank]! > 0) {
      stats.set(`s${rank}`, { frequency: frequency[rank]!, patternMemberFrequency: members[rank]! });
    }
  }
  await store.importSymbolStats(nodeId, stats);
  await store.importTotals(nodeId, {
    totalSymbolsInPatternsFrequencies: symbolsTotal,
    totalPatternFrequencies: patterns,
    // Counted, not assumed: two identical generated patterns would be one stored pattern.
    totalUniquePatterns: await store.countPatterns(nodeId),
  });
  return { patterns, written, symbols: symbolsTotal, seconds: (performance.now() - started) / 1000 };
}
