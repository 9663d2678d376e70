/**
 * {@linkcode MongoStore}: the `PatternStore` on MongoDB through the official driver, in KATO's
 * MongoDB-era layout (one database per node; see `docs/OPERATIONS.md`, section MongoDB).
 *
 * @module
 */

import { type Db, type Document, MongoClient, type MongoClientOptions, ObjectId } from "mongodb";
import { compareCodePoints } from "../kato/normalize.ts";
import type { FinalizedMetrics } from "../kato/types.ts";
import {
  COLLECTIONS,
  finalizedSets,
  importedPatternDoc,
  metaDbName,
  parseFinalizedDoc,
  parsePatternDoc,
  parseSessionDoc,
  parseSymbolDoc,
  parseTotalsDoc,
  sessionDoc,
  symbolSets,
  TOTALS_FILTER,
  totalsSet,
  vocabularyDocs,
} from "./_mongo_docs.ts";
import { learnInMongo } from "./_mongo_learn.ts";
import { backfillSeq, NodeDirectory, prepareMeta, reserveSeq } from "./_mongo_layout.ts";
import {
  DEFAULT_RETRY,
  isDuplicateKeyError,
  type RetryPolicy,
  translateMongoError,
  withRetry,
} from "./_mongo_retry.ts";
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
    await this.#write("import patterns", nodeId, async (db, session) => {
      const options = session ? { session } : {};
      const collection = db.collection(COLLECTIONS.patterns);
      const existing = new Map<string, Document>();
      const found = collection.find({ name: { $in: [...byName.keys()] } }, {
        projection: { name: 1, seq: 1 },
        ...options,
      });
      for await (const doc of found) existing.set(doc.name, doc);
      const fresh = [...byName.values()].filter((p) => !existing.has(p.name));
      let seq = fresh.length > 0 ? await reserveSeq(db, fresh.length, session) : 0;
      const ops = [...byName.values()].map((p) => {
        const old = existing.get(p.name);
        return old === undefined ? { insertOne: { document: importedPatternDoc(p, seq++) as unknown as Document } } : {
          replaceOne: {
            filter: { _id: old._id },
            replacement: importedPatternDoc(p, old.seq) as unknown as Document,
          },
        };
      });
      await collection.bulkWrite(ops, { ordered: true, ...options });
    });
  }

  /** Sets symbol statistics as given (idempotent `$set` upserts). */
  async importSymbolStats(nodeId: string, stats: ReadonlyMap<string, SymbolStats>): Promise<void> {
    assertString("nodeId", nodeId);
    for (const [symbol, s] of stats) validateSymbolStats(symbol, s);
    if (stats.size === 0) return;
    await this.#write("import symbol statistics", nodeId, async (db, session) => {
      await db.collection(COLLECTIONS.symbols).bulkWrite(symbolSets(stats), {
        ordered: false,
        ...(session ? { session } : {}),
      });
    });
  }

  /** Sets the node's totals as given. */
  async importTotals(nodeId: string, totals: NodeTotals): Promise<void> {
    assertString("nodeId", nodeId);
    validateTotals(totals);
    await this.#write("import totals", nodeId, async (db) => {
      await db.collection(COLLECTIONS.metadata).updateOne(TOTALS_FILTER, totalsSet(totals), { upsert: true });
    }, false);
  }

  /** Upserts finalize-training metrics; other patterns' metrics are kept. */
  async saveFinalized(nodeId: string, metrics: Map<string, FinalizedMetrics>): Promise<void> {
    assertString("nodeId", nodeId);
    for (const name of metrics.keys()) assertString("name", name);
    if (metrics.size === 0) return;
    await this.#write("save finalized metrics", nodeId, async (db, session) => {
      await db.collection(COLLECTIONS.finalized).bulkWrite(finalizedSets(metrics), {
        ordered: false,
        ...(session ? { session } : {}),
      });
    });
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
  async loadVocabulary(): Promise<string[]> {
    return await this.#call("load vocabulary", async () => {
      const docs = this.#meta.collection(COLLECTIONS.vocabulary).find({}, {
        sort: { _id: 1 },
        projection: { symbol: 1 },
      });
      const symbols: string[] = [];
      for await (const doc of docs) symbols.push(doc.symbol);
      return symbols;
    });
  }

  /**
   * Appends symbols with ids `firstId, firstId + 1, …`. Ids are `_id`s, so of two processes that
   * append from the same size the second fails on its first document and inserts nothing. A retry
   * after an unknown outcome recognises its own symbols already in place.
   *
   * @throws {RangeError} When `firstId` is not the current size + 1 or a symbol is already present.
   */
  async appendVocabulary(firstId: number, symbols: readonly string[]): Promise<void> {
    this.#open("append vocabulary");
    if (!Number.isInteger(firstId) || firstId < 1) {
      throw new RangeError(`Invalid firstId: expected a positive integer, got ${firstId}`);
    }
    for (const symbol of symbols) assertString("symbol", symbol);
    if (new Set(symbols).size !== symbols.length) {
      throw new RangeError("Cannot append vocabulary: a symbol is repeated in the batch");
    }
    const vocabulary = this.#meta.collection<{ _id: number; symbol: string }>(COLLECTIONS.vocabulary);
    let sent = false;
    await this.#call("append vocabulary", async () => {
      const last = await vocabulary.findOne({}, { sort: { _id: -1 } });
      const size = last?._id ?? 0;
      if (sent && size === firstId - 1 + symbols.length && symbols.length > 0) {
        const ours = await vocabulary.find({ _id: { $gte: firstId } }, { sort: { _id: 1 } }).toArray();
        if (ours.every((doc, i) => doc.symbol === symbols[i])) return;
      }
      if (firstId !== size + 1) {
        throw new RangeError(`Cannot append vocabulary: first id ${firstId} given, ${size + 1} expected`);
      }
      if (symbols.length === 0) return;
      const present = await vocabulary.findOne({ symbol: { $in: [...symbols] } });
      if (present !== null) throw new RangeError(`Cannot append vocabulary: symbol already present: ${present.symbol}`);
      sent = true;
      try {
        await vocabulary.insertMany(vocabularyDocs(firstId, symbols) as { _id: number; symbol: string }[], {
          ordered: true,
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) {
          throw new RangeError("Cannot append vocabulary: another writer appended first", { cause: error });
        }
        throw error;
      }
    });
  }

  /** Creates or replaces a session. */
  async saveSession(session: SessionRecord): Promise<void> {
    assertString("sessionId", session.sessionId);
    assertString("nodeId", session.nodeId);
    if (!Number.isFinite(session.expiresAt)) {
      throw new TypeError(`Invalid expiresAt: expected epoch milliseconds, got ${session.expiresAt}`);
    }
    const doc = sessionDoc(session);
    await this.#call("save session", async () => {
      await this.#sessions().replaceOne({ _id: session.sessionId }, doc, { upsert: true });
    });
  }

  /** A session by id, expired or not (until purged, or deleted by the TTL index after its grace), or null. */
  async getSession(sessionId: string): Promise<SessionRecord | null> {
    assertString("sessionId", sessionId);
    const doc = await this.#call("get session", () => this.#sessions().findOne({ _id: sessionId }));
    return doc === null ? null : parseSessionDoc(doc);
  }

  /** Deletes a session; true when it existed. */
  async deleteSession(sessionId: string): Promise<boolean> {
    assertString("sessionId", sessionId);
    const result = await this.#call("delete session", () => this.#sessions().deleteOne({ _id: sessionId }));
    return result.deletedCount > 0;
  }

  /** Sessions with `expiresAt > now`. */
  async loadActiveSessions(now: number): Promise<SessionRecord[]> {
    const docs = await this.#call(
      "load sessions",
      () => this.#sessions().find({ expires_at: { $gt: new Date(now) } }).toArray(),
    );
    return docs.map(parseSessionDoc);
  }

  /** Deletes sessions with `expiresAt <= now`; returns how many. */
  async purgeExpiredSessions(now: number): Promise<number> {
    const result = await this.#call(
      "purge sessions",
      () => this.#sessions().deleteMany({ expires_at: { $lte: new Date(now) } }),
    );
    return result.deletedCount;
  }

  /** Closes the client; later calls reject with `StoreUnavailableError`, a second close does nothing. */
  async close(): Promise<void> {
    const client = this.#client;
    if (client === null) return;
    this.#client = null;
    await client.close();
  }

  #sessions() {
    return this.#meta.collection<{ _id: string }>(COLLECTIONS.sessions);
  }

  #open(action: string): MongoClient {
    if (this.#client === null) throw new StoreUnavailableError(`Cannot ${action}: the store is closed`);
    return this.#client;
  }

  /** Runs an idempotent operation with retries, translating driver errors. */
  #call<T>(action: string, body: () => Promise<T>): Promise<T> {
    try {
      this.#open(action);
    } catch (error) {
      return Promise.reject(error);
    }
    return withRetry(action, this.#policy, body);
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
    body: (db: Db, session?: import("mongodb").ClientSession) => Promise<void>,
    atomic = true,
  ): Promise<void> {
    return this.#call(action, async () => {
      const db = await this.#nodes.forWrite(nodeId);
      if (!this.transactions || !atomic) return await body(db);
      const session = this.#client!.startSession();
      try {
        await session.withTransaction(() => body(db, session), {
          readConcern: { level: "snapshot" },
          writeConcern: { w: "majority", journal: true },
        });
      } finally {
        await session.endSession();
      }
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
