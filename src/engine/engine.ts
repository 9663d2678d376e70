/**
 * The engine: every node's patterns in memory, kept in step with the store, answering "which patterns
 * resemble this state" through a {@linkcode PatternIndex}.
 *
 * Writes go to the store first (the source of truth) and reach memory only once committed, so a
 * failed write changes nothing the service can see.
 *
 * @module
 */

import type { Candidate, FinalizedMetrics, NodeStatistics } from "../kato/types.ts";
import type { LearnOutcome, LearnRecord, PatternStore } from "../store/types.ts";
import { KeyedMutex, Mutex } from "../util/mutex.ts";
import { CatalogCandidate } from "./candidate.ts";
import type { Prescorer } from "./native/prescore.ts";
import { SymbolEncoder } from "./encoder.ts";
import { HybridIndex } from "./hybrid_index.ts";
import type { EncodedPattern, PatternIndex } from "./matcher.ts";
import { NodeMemory } from "./node_memory.ts";

/** How the engine is built. */
export interface EngineOptions {
  /**
   * Makes the index of a node (TypeScript, or libmatcher tiers where it loads). `patterns` lists the
   * node's patterns in id order, for an index that must rebuild itself (GPU fallback and recovery).
   */
  createIndex: (nodeId: string, patterns: () => Iterable<EncodedPattern>) => PatternIndex;
  /** Progress lines of the bulk load. */
  log?: (message: string) => void;
  /** Patterns per bulk-load batch. */
  batchSize?: number;
  /** Threads decoding the bulk load where the store can use them (`loadColumns`); 0 decodes here. */
  loadWorkers?: number;
  /** Scores many candidates at once natively (libmatcher); without it prediction scores them. */
  prescore?: Prescorer;
}

/** What {@linkcode Engine.candidates} found. */
export interface MatchResult {
  candidates: Candidate[];
  /** The state as the index was queried with it: `PredictOptions.encodedState`. */
  encodedState: Int32Array;
  /** Patterns of the view that passed the threshold; more than `candidates` holds when over the limit. */
  total: number;
}

const EMPTY_STATISTICS: NodeStatistics = {
  patternMemberFrequency: () => undefined,
  distinctSymbols: 0,
  totalUniquePatterns: 0,
  totalPatternFrequencies: 0,
};

/** Holds every node's memory and the shared symbol encoder. */
export class Engine {
  readonly #store: PatternStore;
  readonly #options: EngineOptions;
  readonly #nodes = new Map<string, NodeMemory>();
  readonly #vocabularyLock = new Mutex();
  readonly #nodeLocks = new KeyedMutex();
  #encoder: SymbolEncoder;

  private constructor(store: PatternStore, encoder: SymbolEncoder, options: EngineOptions) {
    this.#store = store;
    this.#encoder = encoder;
    this.#options = options;
  }

  /** Builds the engine from the store with a bulk read of every node. */
  static async open(store: PatternStore, options: EngineOptions): Promise<Engine> {
    const engine = new Engine(store, new SymbolEncoder(await store.loadVocabulary()), options);
    for (const nodeId of await store.listNodes()) await engine.#loadNode(nodeId);
    return engine;
  }

  /** The shared symbol encoder. */
  get encoder(): SymbolEncoder {
    return this.#encoder;
  }

  /** Ids of the nodes held in memory. */
  nodeIds(): string[] {
    return [...this.#nodes.keys()];
  }

  /** Number of patterns of a node (0 when unknown). */
  patternCount(nodeId: string): number {
    return this.#nodes.get(nodeId)?.catalog.size ?? 0;
  }

  /** The node's hybrid index when it has GPU/CPU tiers, else undefined. */
  hybridOf(nodeId: string): HybridIndex | undefined {
    const index = this.#nodes.get(nodeId)?.index;
    return index instanceof HybridIndex ? index : undefined;
  }

  /** Which index implementation serves a node, or undefined. */
  backendOf(nodeId: string): string | undefined {
    return this.#nodes.get(nodeId)?.index.backend;
  }

  /** Commits a learn to the store, then to memory. */
  learn(record: LearnRecord): Promise<LearnOutcome> {
    return this.#nodeLocks.run(record.nodeId, async () => {
      await this.#ensureVocabulary(record.events.flat());
      const outcome = await this.#store.learn(record);
      await this.#node(record.nodeId).applyLearn(outcome, this.#encoder);
      return outcome;
    });
  }

  /**
   * Every pattern of the node with `similarity >= threshold` against `state`, ready for prediction
   * (decoded lazily: see {@linkcode CatalogCandidate}), and the state as encoded for the query. When
   * more than `limit` pass, none is returned and `total` says how many did.
   */
  async candidates(
    nodeId: string,
    state: readonly string[],
    threshold: number,
    limit = Infinity,
    scoreAbove = Infinity,
  ): Promise<MatchResult> {
    const node = this.#nodes.get(nodeId);
    if (node === undefined || node.catalog.size === 0 || state.length === 0) {
      return { candidates: [], encodedState: this.#encoder.encodeQuery(state), total: 0 };
    }
    // The node as it is now: what the query answers for. A pattern learned while the query waits may
    // come back from the index with an id past this view (dropped: the query is answered as of its
    // start), and a clear-all meanwhile leaves the view showing the patterns the index still returned.
    const view = node.catalog.view();
    const known = node.catalog.size;
    const matches = await node.index.query(this.#encoder.encodeQuery(state), threshold);
    // Over the limit nothing is decoded: the caller refuses the request. Only patterns of the view count.
    let visible = 0;
    for (const match of matches) if (match.id < known) visible++;
    if (visible > limit) return { candidates: [], encodedState: new Int32Array(0), total: visible };
    const candidates: Candidate[] = [];
    const ids: number[] = [];
    for (const match of matches) {
      if (match.id >= known) continue;
      candidates.push(new CatalogCandidate(view, this.#encoder, match));
      ids.push(match.id);
    }
    // Encoded after the query: every symbol of every candidate is known by now (ids never change).
    const encodedState = this.#encoder.encodeQuery(state);
    const prescore = this.#options.prescore;
    if (prescore !== undefined && candidates.length > scoreAbove) {
      // Pruning will need every candidate's score: one native call on the host threads. If it fails,
      // prediction scores them itself (same numbers, slower).
      try {
        const pres = await prescore(view, Int32Array.from(ids), encodedState);
        candidates.forEach((candidate, k) => candidate.pre = pres[k]!);
      } catch (error) {
        this.#options.log?.(`Native candidate scoring failed, scoring in TypeScript: ${error}`);
      }
    }
    return { candidates, encodedState, total: candidates.length };
  }

  /** The statistics the ensemble metrics read. */
  statistics(nodeId: string): NodeStatistics {
    return this.#nodes.get(nodeId) ?? EMPTY_STATISTICS;
  }

  /** finalize-training metrics of a node's patterns. */
  finalizedOf(nodeId: string): (name: string) => FinalizedMetrics | undefined {
    const finalized = this.#nodes.get(nodeId)?.finalized;
    return (name) => finalized?.get(name);
  }

  /**
   * Computes `metricsOf` for every pattern of the node, stores the results, then caches them.
   * Returns the number of patterns processed.
   */
  finalize(
    nodeId: string,
    metricsOf: (events: string[][], statistics: NodeStatistics) => FinalizedMetrics,
  ): Promise<number> {
    return this.#nodeLocks.run(nodeId, async () => {
      const node = this.#nodes.get(nodeId);
      if (node === undefined) return 0;
      const metrics = new Map<string, FinalizedMetrics>();
      for (let id = 0; id < node.catalog.size; id++) {
        metrics.set(node.catalog.nameOf(id), metricsOf(node.catalog.eventsOf(id, this.#encoder), node));
      }
      await this.#store.saveFinalized(nodeId, metrics);
      for (const [name, value] of metrics) node.finalized.set(name, value);
      return metrics.size;
    });
  }

  /** Deletes every pattern and statistic of a node, in the store and in memory. */
  clearNode(nodeId: string): Promise<void> {
    return this.#nodeLocks.run(nodeId, async () => {
      await this.#store.clearNode(nodeId);
      await this.#nodes.get(nodeId)?.clear();
    });
  }

  /** Releases every index. */
  close(): void {
    for (const node of this.#nodes.values()) node.index.close();
    this.#nodes.clear();
  }

  #node(nodeId: string): NodeMemory {
    let node = this.#nodes.get(nodeId);
    if (node === undefined) {
      node = new NodeMemory((patterns) => this.#options.createIndex(nodeId, patterns));
      this.#nodes.set(nodeId, node);
    }
    return node;
  }

  async #ensureVocabulary(symbols: readonly string[]): Promise<void> {
    if (this.#encoder.unknown(symbols).length === 0) return;
    await this.#vocabularyLock.run(async () => {
      const fresh = this.#encoder.unknown(symbols);
      if (fresh.length === 0) return;
      await this.#store.appendVocabulary(this.#encoder.size + 1, fresh);
      this.#encoder.commit(fresh);
    });
  }

  async #loadNode(nodeId: string): Promise<void> {
    const log = this.#options.log ?? (() => {});
    const node = this.#node(nodeId);
    node.symbols = await this.#store.loadSymbolStats(nodeId);
    node.totals = await this.#store.getTotals(nodeId);
    node.finalized = await this.#store.loadFinalized(nodeId);
    const total = await this.#store.countPatterns(nodeId);
    const started = performance.now();
    let loaded = 0;
    let nextReport = 100_000;
    const progress = (count: number) => {
      loaded += count;
      if (loaded >= nextReport) {
        log(
          `Loading node ${nodeId}: ${loaded}/${total} patterns (${
            ((performance.now() - started) / 1000).toFixed(1)
          } s)`,
        );
        while (nextReport <= loaded) nextReport += nextReport < 1_000_000 ? 100_000 : 1_000_000;
      }
    };
    const store = this.#store;
    if (store.loadColumns !== undefined) {
      // The store's ids are the encoder's: both come from the vocabulary table in id order.
      await store.loadColumns(nodeId, this.#options.loadWorkers ?? 0, async (columns) => {
        await node.addColumns(columns);
        progress(columns.count);
      }, (patterns, symbols) => node.catalog.reserve(patterns, symbols, Math.ceil(symbols / 4)));
    } else {
      await store.loadPatterns(nodeId, this.#options.batchSize ?? 10_000, async (batch) => {
        await node.addPatterns(batch, this.#encoder);
        progress(batch.length);
      });
    }
    log(`Loaded node ${nodeId}: ${loaded} patterns in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  }
}
