/**
 * The source of truth behind the engine: the `PatternStore` interface, its SQLite implementation,
 * the learn rules every implementation shares, and {@linkcode openStore} to pick one from config.
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

import { SqliteStore } from "./sqlite.ts";
import type { PatternStore } from "./types.ts";

export * from "./types.ts";
export * from "./errors.ts";
export * from "./learn_merge.ts";
export { SQLITE_FILE_NAME, SqliteStore, type SqliteStoreOptions } from "./sqlite.ts";

/** Where the store lives; `mongodbUrl` selects MongoDB over the default SQLite file. */
export interface StoreConfig {
  /** Directory of the SQLite file (`<dataDir>/kato.db`), created if missing; `":memory:"` for tests. */
  dataDir: string;
  /** MongoDB connection string; not supported yet. */
  mongodbUrl?: string | undefined;
}

/**
 * Opens the store the configuration selects: SQLite in `dataDir` unless `mongodbUrl` is set.
 *
 * @throws {Error} When `mongodbUrl` is set: the MongoDB store is not available in this build yet.
 * @throws {StoreUnavailableError} When the SQLite file cannot be opened.
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
    return Promise.reject(
      new Error(
        "Cannot open store: the MongoDB store is not available yet, unset MONGODB_URL to use SQLite",
      ),
    );
  }
  try {
    return Promise.resolve(SqliteStore.open(config.dataDir));
  } catch (error) {
    return Promise.reject(error);
  }
}
