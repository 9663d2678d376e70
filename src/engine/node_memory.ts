/**
 * One node's in-memory state: its patterns (catalog + index), symbol statistics, totals and the
 * metrics of finalize-training. A cache of the store, rebuilt from it at start.
 *
 * @module
 */

import type { FinalizedMetrics, NodeStatistics } from "../kato/types.ts";
import { learnDeltas } from "../store/learn_merge.ts";
import type { LearnOutcome, NodeTotals, PatternColumns, StoredPattern, SymbolStats } from "../store/types.ts";
import { PatternCatalog } from "./catalog.ts";
import type { SymbolEncoder } from "./encoder.ts";
import { encodedOf, type EncodedPattern, type PatternIndex } from "./matcher.ts";

/** The cached state of one node. */
export class NodeMemory implements NodeStatistics {
  readonly catalog = new PatternCatalog();
  readonly index: PatternIndex;
  symbols = new Map<string, SymbolStats>();
  totals: NodeTotals = { totalSymbolsInPatternsFrequencies: 0, totalPatternFrequencies: 0, totalUniquePatterns: 0 };
  finalized = new Map<string, FinalizedMetrics>();

  /** `createIndex` receives this node's pattern source, for indexes that rebuild themselves. */
  constructor(createIndex: (patterns: () => Iterable<EncodedPattern>) => PatternIndex) {
    this.index = createIndex(() => this.#encodedPatterns());
  }

  *#encodedPatterns(): Iterable<EncodedPattern> {
    for (let id = 0; id < this.catalog.size; id++) yield { id, symbols: this.catalog.symbolsOf(id) };
  }

  /** T: distinct symbols known in the node. */
  get distinctSymbols(): number {
    return this.symbols.size;
  }

  /** U: total_unique_patterns. */
  get totalUniquePatterns(): number {
    return this.totals.totalUniquePatterns;
  }

  /** total_pattern_frequencies. */
  get totalPatternFrequencies(): number {
    return this.totals.totalPatternFrequencies;
  }

  /** pmf of a symbol, undefined when unknown to the node. */
  patternMemberFrequency(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.patternMemberFrequency;
  }

  /** Adds stored patterns (bulk load or a new learn) to the catalog and the index. */
  async addPatterns(patterns: readonly StoredPattern[], encoder: SymbolEncoder): Promise<void> {
    const encoded = [];
    for (const pattern of patterns) {
      const existing = this.catalog.idOf(pattern.name);
      if (existing !== -1) {
        this.catalog.update(existing, pattern.frequency, pattern.emotives);
        continue;
      }
      const id = this.catalog.add(pattern.name, pattern.events, encoder, pattern.frequency, pattern.emotives);
      encoded.push({ id, symbols: this.catalog.symbolsOf(id) });
    }
    if (encoded.length > 0) await this.index.add(encoded);
  }

  /** Appends a run of the bulk load (symbols already encoded with the engine's encoder). */
  async addColumns(columns: PatternColumns): Promise<void> {
    const first = this.catalog.appendColumns(columns);
    const ids = new Int32Array(columns.count);
    for (let i = 0; i < ids.length; i++) ids[i] = first + i;
    if (this.index.addColumns !== undefined) await this.index.addColumns(ids, columns.lengths, columns.symbols);
    else await this.index.add(encodedOf(ids, columns.lengths, columns.symbols));
  }

  /** Applies a committed learn: the pattern, and the statistics deltas the store applied too. */
  async applyLearn(outcome: LearnOutcome, encoder: SymbolEncoder): Promise<void> {
    const deltas = learnDeltas(outcome.pattern.events, outcome.created);
    for (const delta of deltas.symbols) {
      const stats = this.symbols.get(delta.symbol) ?? { frequency: 0, patternMemberFrequency: 0 };
      stats.frequency += delta.frequency;
      stats.patternMemberFrequency += delta.patternMemberFrequency;
      this.symbols.set(delta.symbol, stats);
    }
    this.totals.totalSymbolsInPatternsFrequencies += deltas.totals.totalSymbolsInPatternsFrequencies;
    this.totals.totalPatternFrequencies += deltas.totals.totalPatternFrequencies;
    this.totals.totalUniquePatterns += deltas.totals.totalUniquePatterns;
    await this.addPatterns([outcome.pattern], encoder);
  }

  /** Forgets everything (clear-all). */
  async clear(): Promise<void> {
    this.catalog.clear();
    await this.index.clear();
    this.symbols = new Map();
    this.totals = { totalSymbolsInPatternsFrequencies: 0, totalPatternFrequencies: 0, totalUniquePatterns: 0 };
    this.finalized = new Map();
  }
}
