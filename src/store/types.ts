/**
 * The `PatternStore` interface: the source of truth behind the engine's in-memory cache.
 *
 * Every implementation (SQLite by default, MongoDB for production) passes the same contract suite in
 * `tests/store_contract.ts`. Methods are async so that network stores fit the same shape.
 *
 * @module
 */

import type { Emotives, Event, FinalizedMetrics, PatternMetadata } from "../kato/types.ts";

/** A learned pattern as stored. */
export interface StoredPattern {
  /** Bare 40-hex SHA-1 name. */
  name: string;
  events: Event[];
  length: number;
  frequency: number;
  /** Raw emotive dicts, the last `persistence` kept. */
  emotives: Emotives[];
  metadata: PatternMetadata;
}

/** Per-symbol statistics of a node. */
export interface SymbolStats {
  /** Total occurrences over all learns (re-learns included). */
  frequency: number;
  /** Number of distinct patterns containing the symbol (not bumped by re-learns). */
  patternMemberFrequency: number;
}

/** Node-wide totals, named as KATO names them. */
export interface NodeTotals {
  totalSymbolsInPatternsFrequencies: number;
  totalPatternFrequencies: number;
  totalUniquePatterns: number;
}

/** One learn, applied atomically: pattern upsert, symbol statistics and totals. */
export interface LearnRecord {
  nodeId: string;
  name: string;
  events: Event[];
  length: number;
  /** Emotive dicts of this learn (appended, then trimmed to `persistence`). */
  emotives: Emotives[];
  /** Metadata of this learn (set-union per key with what is stored). */
  metadata: PatternMetadata;
  persistence: number;
}

/** What a learn did. */
export interface LearnOutcome {
  /** True when the pattern did not exist before. */
  created: boolean;
  /** The pattern after the learn. */
  pattern: StoredPattern;
}

/** A session as persisted (the service owns its shape beyond these fields). */
export interface SessionRecord {
  sessionId: string;
  nodeId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** The service's JSON-serialisable session state. */
  data: unknown;
}

/** Everything the engine needs to rebuild a node, delivered in batches by `loadPatterns`. */
export type PatternBatchHandler = (
  batch: StoredPattern[],
) => void | Promise<void>;

/**
 * A run of patterns in learn order as columns, for bulk loads: names as raw bytes, symbols as
 * vocabulary ids (the ids `loadVocabulary`'s order gives), event structure as sizes.
 */
export interface PatternColumns {
  count: number;
  /** 20 bytes per pattern: the 40-hex names, decoded. */
  names: Uint8Array<ArrayBuffer>;
  frequencies: Int32Array<ArrayBuffer>;
  /** Symbols per pattern. */
  lengths: Int32Array<ArrayBuffer>;
  /** Every pattern's symbol ids, concatenated. */
  symbols: Int32Array<ArrayBuffer>;
  /** Events per pattern. */
  eventCounts: Int32Array<ArrayBuffer>;
  /** Every pattern's event sizes, concatenated. */
  eventSizes: Int32Array<ArrayBuffer>;
  /** The non-empty emotive lists, by position in this run. */
  emotives: [number, Emotives[]][];
}

/** Called with each run of {@linkcode PatternStore.loadColumns}, in learn order. */
export type ColumnsHandler = (columns: PatternColumns) => void | Promise<void>;

/**
 * The store contract.
 *
 * Errors: bad arguments reject with `TypeError` or `RangeError` and change nothing; an operational
 * failure (disk full or read-only, lock timeout, lost connection, store closed) rejects with
 * `StoreUnavailableError` (`./errors.ts`) and, for writes, applies nothing.
 */
export interface PatternStore {
  /** Human-readable kind, e.g. `"sqlite"` or `"mongodb"`. */
  readonly kind: string;

  /**
   * Applies one learn atomically and durably before resolving, following SEMANTICS.md §2
   * (`planLearn` in `./learn_merge.ts` holds the arithmetic every store shares).
   */
  learn(record: LearnRecord): Promise<LearnOutcome>;
  /** One pattern by bare name, or null. */
  getPattern(nodeId: string, name: string): Promise<StoredPattern | null>;
  /**
   * Streams every pattern of a node, in first-learn order (a re-learn does not move a pattern), in
   * batches of at most `batchSize` (a positive integer); waits for `onBatch` before fetching the
   * next batch and resolves to the number delivered. Batches are not one snapshot: a pattern learned
   * during the load may or may not be delivered, and is never delivered twice.
   */
  loadPatterns(
    nodeId: string,
    batchSize: number,
    onBatch: PatternBatchHandler,
  ): Promise<number>;
  /**
   * Optional fast path of `loadPatterns` for the bulk load at start: the same patterns in the same
   * order, as columns, decoded on up to `workers` threads (0: on this one). Resolves to the number
   * delivered. `onSize` hears the totals first, so the caller can size its pools once. `loadPatterns`
   * stays the reference; a store without this method is loaded through it.
   */
  loadColumns?(
    nodeId: string,
    workers: number,
    onColumns: ColumnsHandler,
    onSize?: (patterns: number, symbols: number) => void,
  ): Promise<number>;
  /** Number of patterns of a node. */
  countPatterns(nodeId: string): Promise<number>;
  /** Every node that has patterns or statistics, sorted by code point. */
  listNodes(): Promise<string[]>;
  /** All symbol statistics of a node. */
  loadSymbolStats(nodeId: string): Promise<Map<string, SymbolStats>>;
  /** The node's totals (zeros for an unknown node). */
  getTotals(nodeId: string): Promise<NodeTotals>;
  /** Deletes every pattern, statistic, total and finalized metric of a node. */
  clearNode(nodeId: string): Promise<void>;

  /**
   * Import: writes patterns exactly as given, `frequency` included, without the learn rules and
   * without touching statistics or totals (import those with {@linkcode importSymbolStats} and
   * {@linkcode importTotals}). A name already stored is overwritten and keeps its place in the load
   * order; new names are appended in the given order. All or nothing per call; bad patterns reject
   * with `TypeError` or `RangeError` (see `validateImportedPattern`) and write nothing.
   */
  importPatterns(nodeId: string, patterns: readonly StoredPattern[]): Promise<void>;
  /** Import: sets each given symbol's statistics to exactly these values (others are kept). */
  importSymbolStats(nodeId: string, stats: ReadonlyMap<string, SymbolStats>): Promise<void>;
  /** Import: sets the node's totals to exactly these values. */
  importTotals(nodeId: string, totals: NodeTotals): Promise<void>;

  /** Stores metrics computed by finalize-training (replacing earlier values of the same patterns). */
  saveFinalized(
    nodeId: string,
    metrics: Map<string, FinalizedMetrics>,
  ): Promise<void>;
  /** Loads finalize-training metrics of a node. */
  loadFinalized(nodeId: string): Promise<Map<string, FinalizedMetrics>>;

  /** The symbol vocabulary in id order (id = index + 1). */
  loadVocabulary(): Promise<string[]>;
  /**
   * Appends symbols with ids `firstId, firstId + 1, …`, all or nothing. Rejects with `RangeError`
   * when `firstId` is not the current vocabulary size + 1 (e.g. another process appended first) or
   * a symbol is already present.
   */
  appendVocabulary(firstId: number, symbols: readonly string[]): Promise<void>;

  /** Creates or replaces a session. */
  saveSession(session: SessionRecord): Promise<void>;
  /** A session by id, expired or not, or null. */
  getSession(sessionId: string): Promise<SessionRecord | null>;
  /** Deletes a session; true when it existed. */
  deleteSession(sessionId: string): Promise<boolean>;
  /** Every session not expired at `now` (epoch ms), i.e. with `expiresAt > now`, in no set order. */
  loadActiveSessions(now: number): Promise<SessionRecord[]>;
  /** Deletes sessions expired at `now` (`expiresAt <= now`); returns how many. */
  purgeExpiredSessions(now: number): Promise<number>;

  /** Flushes and closes; idempotent. Later calls reject with `StoreUnavailableError`. */
  close(): Promise<void>;
}
