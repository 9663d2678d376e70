/**
 * Databases, indexes and the node registry of {@linkcode MongoStore}. Private to `src/store`.
 *
 * @module
 */

import type { ClientSession, Db, Document, MongoClient } from "mongodb";
import { COLLECTIONS, nodeDbName, nodeRegistryDoc, SEQUENCE_CLASS } from "./_mongo_docs.ts";
import { isDuplicateKeyError } from "./_mongo_retry.ts";

/** An index exists with other options (e.g. made by KATO): keep it rather than fail the store. */
const INDEX_CONFLICT_CODES = new Set([85, 86]);

async function createIndexes(db: Db, collection: string, specs: Document[]): Promise<void> {
  try {
    await db.collection(collection).createIndexes(specs.map((s) => ({ key: s.key, ...s.options })));
  } catch (error) {
    if (!INDEX_CONFLICT_CODES.has((error as { code?: number }).code ?? 0)) throw error;
  }
}

/** The layout version this build writes; a service database with a newer one is refused. */
export const LAYOUT_VERSION = 1;

/**
 * Prepares the service database: checks (or records) the layout version, then creates its indexes:
 * registry names unique regardless of case, vocabulary symbols unique, and a TTL index that deletes a
 * session `graceSeconds` after it expired (the service purges on time; the TTL index only cleans up
 * after a service that is gone).
 *
 * @throws {Error} When the database was written by a newer build.
 */
export async function prepareMeta(meta: Db, graceSeconds: number): Promise<void> {
  const versions = meta.collection<{ _id: string; version: number }>(COLLECTIONS.schemaVersion);
  const found = await versions.findOne({ _id: "layout" });
  if (found === null) {
    await versions.updateOne({ _id: "layout" }, { $setOnInsert: { version: LAYOUT_VERSION } }, { upsert: true });
  } else if (typeof found.version !== "number" || found.version > LAYOUT_VERSION) {
    throw new Error(`layout version ${found.version} found, this build supports up to ${LAYOUT_VERSION}`);
  }
  await createIndexes(meta, COLLECTIONS.nodes, [{ key: { db_key: 1 }, options: { unique: true } }]);
  await createIndexes(meta, COLLECTIONS.vocabulary, [{ key: { symbol: 1 }, options: { unique: true } }]);
  await createIndexes(meta, COLLECTIONS.sessions, [
    { key: { expires_at: 1 }, options: { expireAfterSeconds: graceSeconds } },
  ]);
}

/** Indexes of a node database: KATO's unique names, plus the load order and the `class` documents. */
export async function ensureNodeIndexes(db: Db): Promise<void> {
  await createIndexes(db, COLLECTIONS.patterns, [
    { key: { name: 1 }, options: { unique: true } },
    { key: { seq: 1 }, options: {} },
  ]);
  await createIndexes(db, COLLECTIONS.symbols, [{ key: { name: 1 }, options: { unique: true } }]);
  await createIndexes(db, COLLECTIONS.metadata, [{ key: { class: 1 }, options: { unique: true } }]);
  await createIndexes(db, COLLECTIONS.finalized, [{ key: { name: 1 }, options: { unique: true } }]);
}

/**
 * Reserves `count` load-order numbers; returns the first. The counter survives `clearNode`, so a
 * node's order never goes back in time.
 */
export async function reserveSeq(db: Db, count: number, session?: ClientSession): Promise<number> {
  const doc = await db.collection(COLLECTIONS.metadata).findOneAndUpdate(
    { class: SEQUENCE_CLASS },
    { $inc: { value: count } },
    { upsert: true, returnDocument: "after", ...(session ? { session } : {}) },
  );
  return (doc!.value as number) - count + 1;
}

/**
 * Numbers KATO-era patterns (no `seq`) in `_id` order, i.e. roughly their insertion order, so that
 * `loadPatterns` can page through them. A concurrent run cannot number a document twice: each update
 * requires `seq` to be still missing.
 */
export async function backfillSeq(db: Db, batchSize = 1000): Promise<number> {
  const patterns = db.collection(COLLECTIONS.patterns);
  let numbered = 0;
  while (true) {
    const ids = await patterns.find({ seq: null }, { projection: { _id: 1 }, sort: { _id: 1 }, limit: batchSize })
      .toArray();
    if (ids.length === 0) return numbered;
    const first = await reserveSeq(db, ids.length);
    await patterns.bulkWrite(
      ids.map((doc, i) => ({
        updateOne: { filter: { _id: doc._id, seq: null }, update: { $set: { seq: first + i } } },
      })),
      { ordered: false },
    );
    numbered += ids.length;
  }
}

/**
 * Maps node ids to their databases through the registry (`<meta>.nodes`), refusing a node whose
 * database name another node already owns. Resolved databases are cached for the process.
 */
export class NodeDirectory {
  readonly #client: MongoClient;
  readonly #meta: Db;
  readonly #serviceName: string;
  readonly #ready = new Map<string, Promise<Db>>();

  /** A directory over `client`, registering nodes in `meta`. */
  constructor(client: MongoClient, meta: Db, serviceName: string) {
    this.#client = client;
    this.#meta = meta;
    this.#serviceName = serviceName;
  }

  /** The database name a node gets (before any registry entry is considered). */
  dbNameOf(nodeId: string): string {
    return nodeDbName(nodeId, this.#serviceName);
  }

  /**
   * The node's database for a write: registered (once) and indexed. A failure is not cached, so
   * the next call tries again.
   *
   * @throws {RangeError} When the database name belongs to another node or to the service database.
   */
  forWrite(nodeId: string): Promise<Db> {
    let ready = this.#ready.get(nodeId);
    if (ready === undefined) {
      ready = this.#register(nodeId);
      this.#ready.set(nodeId, ready);
      ready.catch(() => this.#ready.delete(nodeId));
    }
    return ready;
  }

  /**
   * The node's database for a read, without creating anything: null when its name belongs to
   * another node (this node then has no data). An unregistered name is read as is, which serves a
   * KATO-era database.
   */
  async forRead(nodeId: string): Promise<Db | null> {
    const ready = this.#ready.get(nodeId);
    if (ready !== undefined) return await ready;
    const nodes = this.#meta.collection(COLLECTIONS.nodes);
    const entry = await nodes.findOne({ _id: nodeId as never });
    if (entry !== null) return this.#client.db(entry.db);
    const name = this.dbNameOf(nodeId);
    const owner = await nodes.findOne({ db_key: name.toLowerCase() });
    return owner === null ? this.#client.db(name) : null;
  }

  /** Every registered node id with its database. */
  async registered(): Promise<{ nodeId: string; db: Db }[]> {
    const entries = await this.#meta.collection(COLLECTIONS.nodes).find({}).toArray();
    return entries.map((entry) => ({ nodeId: entry._id as unknown as string, db: this.#client.db(entry.db) }));
  }

  async #register(nodeId: string): Promise<Db> {
    const name = this.dbNameOf(nodeId);
    if (name.toLowerCase() === this.#meta.databaseName.toLowerCase()) {
      throw new RangeError(`Cannot use node ${nodeId}: its database name ${name} is the service database`);
    }
    const nodes = this.#meta.collection(COLLECTIONS.nodes);
    let dbName = name;
    try {
      await nodes.insertOne(nodeRegistryDoc(nodeId, name));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const entry = await nodes.findOne({ _id: nodeId as never });
      if (entry === null) {
        const owner = await nodes.findOne({ db_key: name.toLowerCase() });
        throw new RangeError(
          `Cannot use node ${nodeId}: its database name ${name} is taken by node ${String(owner?._id)}`,
        );
      }
      dbName = entry.db;
    }
    const db = this.#client.db(dbName);
    await ensureNodeIndexes(db);
    return db;
  }
}
