/**
 * {@linkcode MongoStore}: the `PatternStore` on MongoDB through the official driver, in KATO's
 * MongoDB-era layout (one database per node; see `docs/OPERATIONS.md`, section MongoDB).
 *
 * @module
 */

import { type ClientSession, type Db, MongoClient, type MongoClientOptions, ObjectId } from "mongodb";
import { compareCodePoints } from "../kato/normalize.ts";
import type { FinalizedMetrics } from "../kato/types.ts";
import {
  COLLECTIONS,
  finalizedSets,
  metaDbName,
  parseFinalizedDoc,
  parsePatternDoc,
  parseSymbolDoc,
  parseTotalsDoc,
  symbolSets,
  TOTALS_FILTER,
  totalsSet,
} from "./_mongo_docs.ts";
import { writeImportedPatterns } from "./_mongo_import.ts";
import { learnInMongo } from "./_mongo_learn.ts";
import { backfillSeq, NodeDirectory, prepareMeta } from "./_mongo_layout.ts";
import { DEFAULT_RETRY, type RetryPolicy, translateMongoError, withRetry } from "./_mongo_retry.ts";
import * as meta from "./_mongo_service_db.ts";
import { inTransaction } from "./_mongo_tx.ts";
import { StoreUnavailableError } from "./errors.ts";
import { validateImportedPattern, validateSymbolStats, validateTotals } from "./import_rules.ts";
import { assertString, validateLearnRecord } from "./learn_merge.ts";
import type {
  LearnOutcome,
  LearnRecord,
  NodeTotals,
  PatternBatchHandler,
  PatternStore,
  SessionRecord,
  StoredPattern,
  SymbolStats,
} from "./types.ts";

/** Tuning of {@linkcode MongoStore.open}. */
export interface MongoStoreOptions {
  /** KATO's `SERVICE_NAME`: node databases are `<node>_<serviceName>` (default `"kato"`). */
  serviceName?: string;
  /** The service database (registry, vocabulary, sessions); default `<serviceName>_gpu_meta`. */
  metaDbName?: string;
  /**
   * How long a call waits for a usable server before failing with `StoreUnavailableError`
   * (default 5000 ms, unless the URL sets `serverSelectionTimeoutMS`).
   */
  serverSelectionTimeoutMS?: number;
  /** Seconds after its expiry at which the TTL index deletes an unpurged session (default 1 day). */
  sessionTtlGraceSeconds?: number;
  /** Use multi-document transactions; default: when the server is a replica set or mongos. */
  transactions?: boolean;
  /** Retries of transient errors. */
  retry?: RetryPolicy;
}

/**
 * `PatternStore` over MongoDB.
 *
 * Writes use `w: "majority", j: true` and resolve once acknowledged. A learn is a transaction on a
 * replica set or sharded cluster and ordered single-document writes on a standalone server (see
 * `_mongo_learn.ts` for the exactly-once rules of each). Transient errors (elections, network
 * blips, write conflicts) are retried with backoff; a server that stays unreachable turns each call
 * into `StoreUnavailableError` after `serverSelectionTimeoutMS`, and the driver reconnects by itself
 * when the server is back.
 *
 * @example Opening fails clearly when no server answers
 * ```ts
 * import { rejects } from "node:assert";
 * import { MongoStore } from "./mongo.ts";
 * import { StoreUnavailableError } from "./errors.ts";
 *
 * await rejects(
 *   MongoStore.open("mongodb://127.0.0.1:9/", { serverSelectionTimeoutMS: 200 }),
 *   StoreUnavailableError,
 * );
 * ```
 */
export class MongoStore implements PatternStore {
  /** Always `"mongodb"`. */
  readonly kind = "mongodb";
  /** Whether learns run as transactions. */
  readonly transactions: boolean;
  /** The service database's name. */
  readonly metaDbName: string;
  #client: MongoClient | null;
  readonly #meta: Db;
  readonly #nodes: NodeDirectory;
  readonly #policy: RetryPolicy;

  private constructor(client: MongoClient, meta: Db, nodes: NodeDirectory, transactions: boolean, policy: RetryPolicy) {
    this.#client = client;
    this.#meta = meta;
    this.#nodes = nodes;
    this.transactions = transactions;
    this.metaDbName = meta.databaseName;
    this.#policy = policy;
  }

  /**
   * Connects, detects transaction support and creates the service database's indexes.
   *
   * @throws {TypeError} When the URL is not a MongoDB connection string.
   * @throws {StoreUnavailableError} When no server answers within the server-selection timeout.
   */
  static async open(url: string, options: MongoStoreOptions = {}): Promise<MongoStore> {
    assertString("mongodbUrl", url);
    const serviceName = options.serviceName ?? "kato";
    const metaName = options.metaDbName ?? metaDbName(serviceName);
    const clientOptions: MongoClientOptions = {
      appName: "kato-gpu",
      writeConcern: { w: "majority", journal: true },
    };
    if (!/[?&]serverSelectionTimeoutMS=/i.test(url) || options.serverSelectionTimeoutMS !== undefined) {
      clientOptions.serverSelectionTimeoutMS = options.serverSelectionTimeoutMS ?? 5000;
    }
    let client: MongoClient;
    try {
      client = new MongoClient(url, clientOptions);
    } catch (error) {
      throw new TypeError(`Invalid MONGODB_URL ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
    }
    try {
      await client.connect();
      const hello = await client.db("admin").command({ hello: 1 });
      const transactions = options.transactions ?? (typeof hello.setName === "string" || hello.msg === "isdbgrid");
      const meta = client.db(metaName);
      await prepareMeta(meta, options.sessionTtlGraceSeconds ?? 86_400);
      const nodes = new NodeDirectory(client, meta, serviceName);
      return new MongoStore(client, meta, nodes, transactions, options.retry ?? DEFAULT_RETRY);
    } catch (error) {
      await client.close().catch(() => {});
      const reason = error instanceof Error ? error.message : String(error);
      throw new StoreUnavailableError(`Cannot open MongoDB store at ${redactUrl(url)}: ${reason}`, { cause: error });
    }
  }

  /** The database a node's data lives in (derived; the registry may hold an older mapping). */
  dbNameOf(nodeId: string): string {
    return this.#nodes.dbNameOf(nodeId);
  }

  /** Applies one learn; see `_mongo_learn.ts` for atomicity and retries. */
  async learn(record: LearnRecord): Promise<LearnOutcome> {
    const client = this.#open("learn");
    validateLearnRecord(record);
    const db = await this.#call("learn", () => this.#nodes.forWrite(record.nodeId));
    try {
      return await learnInMongo(
        { client, db, transactions: this.transactions, policy: this.#policy, op: new ObjectId() },
        record,
      );
    } catch (error) {
      throw translateMongoError("learn", error);
    }
  }

  /** One pattern by bare name, or null. */
  async getPattern(nodeId: string, name: string): Promise<StoredPattern | null> {
    assertString("nodeId", nodeId);
    assertString("name", name);
    return await this.#read("get pattern", nodeId, null, async (db) => {
      const doc = await db.collection(COLLECTIONS.patterns).findOne({ name });
      return doc === null ? null : parsePatternDoc(doc);
    });
  }

  /**
   * Streams a node's patterns in `seq` order, one indexed query per batch after the last `seq`
   * delivered (keyset pagination). No server cursor stays open while `onBatch` runs, so a slow
   * handler cannot hit the 10-minute cursor timeout, and a failover between batches costs one
   * retried query instead of the whole load. KATO-era documents are numbered first.
   */
  async loadPatterns(nodeId: string, batchSize: number, onBatch: PatternBatchHandler): Promise<number> {
    assertString("nodeId", nodeId);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`Invalid batchSize: expected a positive integer, got ${batchSize}`);
    }
    const db = await this.#read("load patterns", nodeId, null, async (db) => {
      await backfillSeq(db);
      return db;
    });
    if (db === null) return 0;
    const patterns = db.collection(COLLECTIONS.patterns);
    let after = -Infinity;
    let delivered = 0;
    while (true) {
      const docs = await this.#call(
        "load patterns",
        () => patterns.find({ seq: { $gt: after } }, { sort: { seq: 1 }, limit: batchSize, batchSize }).toArray(),
      );
      if (docs.length === 0) break;
      after = docs[docs.length - 1]!.seq;
      delivered += docs.length;
      await onBatch(docs.map(parsePatternDoc));
      if (docs.length < batchSize) break;
    }
    return delivered;
  }

  /** Number of patterns of a node. */
  async countPatterns(nodeId: string): Promise<number> {
    assertString("nodeId", nodeId);
    return await this.#read("count patterns", nodeId, 0, (db) => db.collection(COLLECTIONS.patterns).countDocuments());
  }

  /** Registered nodes that hold patterns, statistics or totals, in code-point order. */
  async listNodes(): Promise<string[]> {
    return await this.#call("list nodes", async () => {
      const found: string[] = [];
      for (const { nodeId, db } of await this.#nodes.registered()) {
        const hasData = await db.collection(COLLECTIONS.patterns).findOne({}, { projection: { _id: 1 } }) ??
          await db.collection(COLLECTIONS.symbols).findOne({}, { projection: { _id: 1 } }) ??
          await db.collection(COLLECTIONS.metadata).findOne(TOTALS_FILTER, { projection: { _id: 1 } });
        if (hasData !== null) found.push(nodeId);
      }
      return found.sort(compareCodePoints);
    });
  }

  /** All symbol statistics of a node. */
  async loadSymbolStats(nodeId: string): Promise<Map<string, SymbolStats>> {
    assertString("nodeId", nodeId);
    return await this.#read("load symbol statistics", nodeId, new Map(), async (db) => {
      const stats = new Map<string, SymbolStats>();
      const cursor = db.collection(COLLECTIONS.symbols).find({}, { projection: { emotives: 0 } });
      for await (const doc of cursor) stats.set(...parseSymbolDoc(doc));
      return stats;
    });
  }

  /** The node's totals, zeros for an unknown node. */
  async getTotals(nodeId: string): Promise<NodeTotals> {
    assertString("nodeId", nodeId);
    return await this.#read(
      "get totals",
      nodeId,
      parseTotalsDoc(null),
      async (db) => parseTotalsDoc(await db.collection(COLLECTIONS.metadata).findOne(TOTALS_FILTER)),
    );
  }

  /**
   * Deletes a node's patterns, statistics, totals and finalized metrics. Each deletion is
   * idempotent and retried; they are not one transaction (a transaction could not delete millions
   * of patterns), so a concurrent learn into the node may survive partly.
   */
  async clearNode(nodeId: string): Promise<void> {
    assertString("nodeId", nodeId);
    await this.#read("clear node", nodeId, undefined, async (db) => {
      await db.collection(COLLECTIONS.metadata).deleteMany(TOTALS_FILTER);
      await db.collection(COLLECTIONS.patterns).deleteMany({});
      await db.collection(COLLECTIONS.symbols).deleteMany({});
      await db.collection(COLLECTIONS.finalized).deleteMany({});
    });
  }

  /** Upserts patterns as given; see `PatternStore.importPatterns`. A transaction where available. */
  async importPatterns(nodeId: string, patterns: readonly StoredPattern[]): Promise<void> {
    assertString("nodeId", nodeId);
    for (const pattern of patterns) validateImportedPattern(pattern);
    if (patterns.length === 0) return;
    // The last copy of a repeated name wins, at the place of the first, as SQLite's upsert does.
    const byName = new Map<string, StoredPattern>();
    for (const pattern of patterns) byName.set(pattern.name, pattern);
    await this.#write("import patterns", nodeId, (db, session) => writeImportedPatterns(db, byName, session));
  }

  /** Sets symbol statistics as given: idempotent `$set` upserts, retried, not one transaction. */
  async importSymbolStats(nodeId: string, stats: ReadonlyMap<string, SymbolStats>): Promise<void> {
    assertString("nodeId", nodeId);
    for (const [symbol, s] of stats) validateSymbolStats(symbol, s);
    if (stats.size === 0) return;
    await this.#write("import symbol statistics", nodeId, async (db) => {
      await db.collection(COLLECTIONS.symbols).bulkWrite(symbolSets(stats), { ordered: false });
    }, false);
  }

  /** Sets the node's totals as given. */
  async importTotals(nodeId: string, totals: NodeTotals): Promise<void> {
    assertString("nodeId", nodeId);
    validateTotals(totals);
    await this.#write("import totals", nodeId, async (db) => {
      await db.collection(COLLECTIONS.metadata).updateOne(TOTALS_FILTER, totalsSet(totals), { upsert: true });
    }, false);
  }

  /**
   * Upserts finalize-training metrics; other patterns' metrics are kept. Idempotent `$set` upserts,
   * retried, not one transaction: finalize-training can cover millions of patterns, more than a
   * transaction should hold.
   */
  async saveFinalized(nodeId: string, metrics: Map<string, FinalizedMetrics>): Promise<void> {
    assertString("nodeId", nodeId);
    for (const name of metrics.keys()) assertString("name", name);
    if (metrics.size === 0) return;
    await this.#write("save finalized metrics", nodeId, async (db) => {
      await db.collection(COLLECTIONS.finalized).bulkWrite(finalizedSets(metrics), { ordered: false });
    }, false);
  }

  /** Finalize-training metrics of a node. */
  async loadFinalized(nodeId: string): Promise<Map<string, FinalizedMetrics>> {
    assertString("nodeId", nodeId);
    return await this.#read("load finalized metrics", nodeId, new Map(), async (db) => {
      const metrics = new Map<string, FinalizedMetrics>();
      for await (const doc of db.collection(COLLECTIONS.finalized).find({})) metrics.set(...parseFinalizedDoc(doc));
      return metrics;
    });
  }

  /** The vocabulary in id order (id = index + 1). */
  loadVocabulary(): Promise<string[]> {
    return this.#call("load vocabulary", () => meta.loadVocabulary(this.#meta));
  }

  /**
   * Appends symbols with ids `firstId, firstId + 1, …`, in a transaction where available. A retry
   * after an unknown outcome recognises its own symbols already in place.
   *
   * @throws {RangeError} When `firstId` is not the current size + 1 or a symbol is already present.
   */
  async appendVocabulary(firstId: number, symbols: readonly string[]): Promise<void> {
    const client = this.#open("append vocabulary");
    meta.validateAppend(firstId, symbols);
    let attempts = 0;
    await this.#call("append vocabulary", () => {
      const retrying = attempts++ > 0;
      if (!this.transactions) return meta.appendVocabularyOnce(this.#meta, firstId, symbols, retrying);
      return inTransaction(client, (s) => meta.appendVocabularyOnce(this.#meta, firstId, symbols, retrying, s));
    });
  }

  /** Creates or replaces a session. */
  saveSession(session: SessionRecord): Promise<void> {
    return this.#call("save session", () => meta.saveSession(this.#meta, session));
  }

  /** A session by id, expired or not (until purged, or deleted by the TTL index after its grace), or null. */
  getSession(sessionId: string): Promise<SessionRecord | null> {
    assertString("sessionId", sessionId);
    return this.#call("get session", () => meta.getSession(this.#meta, sessionId));
  }

  /** Deletes a session; true when it existed. */
  deleteSession(sessionId: string): Promise<boolean> {
    assertString("sessionId", sessionId);
    return this.#call("delete session", () => meta.deleteSession(this.#meta, sessionId));
  }

  /** Sessions with `expiresAt > now`. */
  loadActiveSessions(now: number): Promise<SessionRecord[]> {
    return this.#call("load sessions", () => meta.loadActiveSessions(this.#meta, now));
  }

  /** Deletes sessions with `expiresAt <= now`; returns how many. */
  purgeExpiredSessions(now: number): Promise<number> {
    return this.#call("purge sessions", () => meta.purgeExpiredSessions(this.#meta, now));
  }

  /** Closes the client; later calls reject with `StoreUnavailableError`, a second close does nothing. */
  async close(): Promise<void> {
    const client = this.#client;
    if (client === null) return;
    this.#client = null;
    await client.close();
  }

  #open(action: string): MongoClient {
    if (this.#client === null) throw new StoreUnavailableError(`Cannot ${action}: the store is closed`);
    return this.#client;
  }

  /** Runs an idempotent operation with retries, translating driver errors. */
  #call<T>(action: string, body: (client: MongoClient) => Promise<T>): Promise<T> {
    let client: MongoClient;
    try {
      client = this.#open(action);
    } catch (error) {
      return Promise.reject(error);
    }
    return withRetry(action, this.#policy, () => body(client));
  }

  /** Runs an idempotent read of a node's database, or returns `empty` when the node has none. */
  #read<T>(action: string, nodeId: string, empty: T, body: (db: Db) => Promise<T>): Promise<T> {
    return this.#call(action, async () => {
      const db = await this.#nodes.forRead(nodeId);
      return db === null ? empty : await body(db);
    });
  }

  /**
   * Runs an idempotent write into a node's database, in a transaction when the deployment has them
   * and `atomic` is not false.
   */
  #write(
    action: string,
    nodeId: string,
    body: (db: Db, session?: ClientSession) => Promise<void>,
    atomic = true,
  ): Promise<void> {
    return this.#call(action, async (client) => {
      const db = await this.#nodes.forWrite(nodeId);
      if (!this.transactions || !atomic) return await body(db);
      await inTransaction(client, (session) => body(db, session));
    });
  }
}

/**
 * The URL without its password, for messages and logs.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { redactUrl } from "./mongo.ts";
 *
 * strictEqual(redactUrl("mongodb://kato:s3cret@db:27017/?replicaSet=rs0"), "mongodb://kato:***@db:27017/?replicaSet=rs0");
 * ```
 */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/@]*?):([^/@]*)@/, "//$1:***@");
}
