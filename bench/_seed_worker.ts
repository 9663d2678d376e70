/**
 * Worker of `_seed_store.ts`: generates one range of the dataset as stored patterns (KATO events and
 * names) with the range's symbol counts, so the main thread only writes. Generation and SHA-1 naming
 * cost twice the SQLite insert; spread over the cores, seeding is bound by the single writer.
 *
 * Message in: `{ spec, start, count, rows }` (`rows: false` for a range already stored: counts only).
 * Out: `{ start, patterns, frequency, members, symbols }`, the counts' buffers transferred.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { patternName } from "../src/kato/hash.ts";
import type { StoredPattern } from "../src/store/types.ts";
import { Dataset, type DatasetSpec } from "./_dataset.ts";

/** One range to generate. */
export interface SeedTask {
  spec: DatasetSpec;
  start: number;
  count: number;
  rows: boolean;
}

/** A generated range. */
export interface SeedBatch {
  start: number;
  patterns: StoredPattern[];
  /** Occurrences of each rank in the range. */
  frequency: Float64Array;
  /** Patterns of the range holding each rank. */
  members: Float64Array;
  symbols: number;
}

let dataset: Dataset | undefined;

self.onmessage = (event: MessageEvent<SeedTask>) => {
  const { spec, start, count, rows } = event.data;
  if (dataset === undefined || JSON.stringify(dataset.spec) !== JSON.stringify(spec)) dataset = new Dataset(spec);
  const frequency = new Float64Array(spec.vocabulary + 1);
  const members = new Float64Array(spec.vocabulary + 1);
  const seenAt = new Int32Array(spec.vocabulary + 1).fill(-1);
  const patterns: StoredPattern[] = [];
  let symbolsTotal = 0;
  for (let k = start; k < start + count; k++) {
    const symbols = dataset.symbols(k);
    for (const rank of symbols) {
      frequency[rank]!++;
      if (seenAt[rank] !== k) members[rank]!++;
      seenAt[rank] = k;
    }
    symbolsTotal += symbols.length;
    if (!rows) continue;
    const events = dataset.eventsOf(symbols);
    patterns.push({
      name: patternName(events),
      events,
      length: symbols.length,
      frequency: 1,
      emotives: [],
      metadata: {},
    });
  }
  const batch: SeedBatch = { start, patterns, frequency, members, symbols: symbolsTotal };
  self.postMessage(batch, [frequency.buffer, members.buffer]);
};
