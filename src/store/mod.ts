/**
 * The source of truth behind the engine: the `PatternStore` interface, its SQLite (default) and
 * MongoDB implementations, the learn and import rules every implementation shares, and
 * {@linkcode openStore} to pick one from config.
 *
 * @example Open the default store and learn one pattern
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { openStore } from "./mod.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * const store = await openStore({ dataDir });
 * const outcome = await store.learn({
 *   nodeId: "node-1",
 *   name: "386fbb12926e8e015a1483990df913e8410f94ce",
 *   events: [["hello"], ["world"], ["test"]],
 *   length: 3,
 *   emotives: [],
 *   metadata: {},
 *   persistence: 5,
 * });
 * strictEqual(outcome.created, true);
 * await store.close();
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 *
 * @module
 */

import { MongoStore, type MongoStoreOptions } from "./mongo.ts";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite.ts";
import type { PatternStore } from "./types.ts";

export * from "./types.ts";
export * from "./errors.ts";
export * from "./learn_merge.ts";
export * from "./import_rules.ts";
export { MongoStore, type MongoStoreOptions, redactUrl } from "./mongo.ts";
export { SQLITE_FILE_NAME, SqliteStore, type SqliteStoreOptions } from "./sqlite.ts";

/** Where the store lives; `mongodbUrl` selects MongoDB over the default SQLite file. */
export interface StoreConfig {
  /** Directory of the SQLite file (`<dataDir>/kato.db`), created if missing; `":memory:"` for tests. */
  dataDir: string;
  /** MongoDB connection string (`MONGODB_URL`); when set, `dataDir` is not used. */
  mongodbUrl?: string | undefined;
  /** Options of the MongoDB store, e.g. `serviceName` (KATO's `SERVICE_NAME`, part of database names). */
  mongodb?: MongoStoreOptions | undefined;
  /** Options of the SQLite store, e.g. `busyTimeoutMs` (`STORE_BUSY_TIMEOUT_MS`). */
  sqlite?: SqliteStoreOptions | undefined;
}

/**
 * Opens the store the configuration selects: MongoDB when `mongodbUrl` is set, else SQLite in
 * `dataDir`.
 *
 * @throws {TypeError} When `mongodbUrl` is not a MongoDB connection string.
 * @throws {StoreUnavailableError} When the SQLite file cannot be opened, or no MongoDB server answers
 * within the server-selection timeout (5 s by default).
 *
 * @example An in-memory store for a test
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { openStore } from "./mod.ts";
 *
 * const store = await openStore({ dataDir: ":memory:" });
 * strictEqual(store.kind, "sqlite");
 * await store.close();
 * ```
 */
export function openStore(config: StoreConfig): Promise<PatternStore> {
  if (config.mongodbUrl !== undefined && config.mongodbUrl !== "") {
    return MongoStore.open(config.mongodbUrl, config.mongodb ?? {});
  }
  try {
    return Promise.resolve(SqliteStore.open(config.dataDir, config.sqlite ?? {}));
  } catch (error) {
    return Promise.reject(error);
  }
}
