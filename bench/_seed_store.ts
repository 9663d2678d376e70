/**
 * Writes a seeded synthetic dataset (`_dataset.ts`) straight into a store, as an import would: the
 * patterns with their KATO names, the vocabulary in rank order, every symbol's statistics and the
 * node's totals, exactly what learning the same patterns once each would leave. Resumable: a store
 * already holding some of the dataset's patterns gets the rest. Used by `gen_dataset.ts` and `scale.ts`.
 *
 * @module
 */

import { patternName } from "../src/kato/hash.ts";
import type { PatternStore, StoredPattern, SymbolStats } from "../src/store/types.ts";
import type { Dataset } from "./_dataset.ts";

/** How much was written and how long it took. */
export interface SeedReport {
  patterns: number;
  written: number;
  symbols: number;
  seconds: number;
}

const BATCH = 25_000;

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
  let batch: StoredPattern[] = [];
  for (let k = 0; k < patterns; k++) {
    const symbols = dataset.symbols(k);
    const seen = new Set<number>();
    for (const rank of symbols) {
      frequency[rank]!++;
      if (!seen.has(rank)) members[rank]!++;
      seen.add(rank);
    }
    symbolsTotal += symbols.length;
    // The dataset is generated in order, so the first `present` patterns are the ones already stored.
    if (k < present) continue;
    const events = dataset.eventsOf(symbols);
    batch.push({ name: patternName(events), events, length: symbols.length, frequency: 1, emotives: [], metadata: {} });
    if (batch.length === BATCH || k === patterns - 1) {
      await store.importPatterns(nodeId, batch);
      written += batch.length;
      batch = [];
      if (written % (BATCH * 8) === 0 || k === patterns - 1) {
        const seconds = (performance.now() - started) / 1000;
        log(`seeded ${k + 1}/${patterns} patterns (${seconds.toFixed(1)} s)`);
      }
    }
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
