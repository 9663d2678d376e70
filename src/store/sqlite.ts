/**
 * {@linkcode SqliteStore}: the embedded `PatternStore`, one SQLite file through `node:sqlite`.
 *
 * @module
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { FinalizedMetrics } from "../kato/types.ts";
import { DatabaseFile } from "./_sqlite_file.ts";
import { loadColumns } from "./_sqlite_parallel_load.ts";
import { migrate } from "./_sqlite_schema.ts";
import { type ArrayCapableStatement, type PatternRow, realOrNaN, SQL, toPattern, toSession } from "./_sqlite_sql.ts";
import { inTransaction, translateError } from "./_sqlite_tx.ts";
import { StoreUnavailableError } from "./errors.ts";
import { validateImportedPattern, validateSymbolStats, validateTotals } from "./import_rules.ts";
import { assertString, planLearn, validateLearnRecord } from "./learn_merge.ts";
import type {
  ColumnsHandler,
  LearnOutcome,
  LearnRecord,
  NodeTotals,
  PatternBatchHandler,
  PatternStore,
  SessionRecord,
  StoredPattern,
  SymbolStats,
} from "./types.ts";

/** The file a data directory holds. */
export const SQLITE_FILE_NAME = "kato.db";

/** Tuning of {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * `"FULL"` (default) fsyncs the write-ahead log at every commit, so an acknowledged learn survives
   * power loss and OS crashes. `"NORMAL"` fsyncs only at checkpoints: a learn still survives the
   * process being killed, but the last commits may be lost if the machine goes down. Measured on the
   * 2-core development VM (virtio disk), p50 of a 10-symbol learn: 0.20 ms with FULL, 0.06 ms with
   * NORMAL (`bench/store_learn_bench.ts`). SEMANTICS.md promises that learned patterns are durable before
   * the response, and the cost is small next to an HTTP round trip, hence FULL by default.
   */
  synchronous?: "FULL" | "NORMAL";
  /** How long a write waits for another process's lock before failing (ms, default 5000). */
  busyTimeoutMs?: number;
}

/**
 * `PatternStore` over one SQLite file, `<dataDir>/kato.db`, in WAL mode.
 *
 * `node:sqlite` is synchronous, so each call does its database work before returning its promise
 * and the event loop waits for it, a commit's fsync included. A learn is one
 * `BEGIN IMMEDIATE … COMMIT` transaction and is on disk when its promise resolves. SQLite errors
 * (disk full, read-only, locked past the busy timeout) reject with `StoreUnavailableError`.
 *
 * @example Learn a pattern twice in an in-memory store
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { SqliteStore } from "./sqlite.ts";
 *
 * using store = SqliteStore.open(":memory:");
 * const record = {
 *   nodeId: "node-1",
 *   name: "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4",
 *   events: [["a", "b"]],
 *   length: 2,
 *   emotives: [],
 *   metadata: {},
 *   persistence: 5,
 * };
 * strictEqual((await store.learn(record)).created, true);
 * strictEqual((await store.learn(record)).pattern.frequency, 2);
 * strictEqual((await store.getTotals("node-1")).totalUniquePatterns, 1);
 * ```
 */
export class SqliteStore implements PatternStore, Disposable {
  /** Always `"sqlite"`. */
  readonly kind = "sqlite";
  /** The database file, or `":memory:"`. */
  readonly location: string;
  #db: DatabaseSync | null;
  readonly #statements = new Map<string, StatementSync>();
  /** The file behind `#db`, checked before every call; undefined in memory. */
  readonly #file: DatabaseFile | undefined;
  readonly #reopen: () => DatabaseSync;
  /** Set while a repair of the file runs; every call waits for it. */
  #repair: Promise<void> | undefined;

  private constructor(db: DatabaseSync, location: string, file: DatabaseFile | undefined, reopen: () => DatabaseSync) {
    this.#db = db;
    this.location = location;
    this.#file = file;
    this.#reopen = reopen;
  }

  /**
   * Opens (creating if needed) `<dataDir>/kato.db`, or a private in-memory database for
   * `":memory:"`.
   *
   * @throws {StoreUnavailableError} When the directory or the database cannot be created or written.
   *
   * @example Open a store in a temporary directory
   * ```ts
   * import { strictEqual } from "node:assert";
   * import { SqliteStore } from "./sqlite.ts";
   *
   * const dir = Deno.makeTempDirSync();
   * const store = SqliteStore.open(dir);
   * strictEqual(store.location, `${dir}/kato.db`);
   * await store.close();
   * Deno.removeSync(dir, { recursive: true });
   * ```
   */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    assertString("dataDir", dataDir);
    const synchronous = options.synchronous ?? "FULL";
    if (synchronous !== "FULL" && synchronous !== "NORMAL") {
      throw new RangeError(
        `Invalid synchronous: expected "FULL" or "NORMAL", got ${synchronous}`,
      );
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(
        `Invalid busyTimeoutMs: expected a non-negative integer, got ${busyTimeoutMs}`,
      );
    }
    const inMemory = dataDir === ":memory:";
    const location = inMemory ? dataDir : join(dataDir, SQLITE_FILE_NAME);
    if (!inMemory) {
      try {
        mkdirSync(dataDir, { recursive: true });
      } catch (error) {
        throw new StoreUnavailableError(`Cannot open store at ${location}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const reopen = () => openDatabase(location, inMemory, synchronous, busyTimeoutMs);
    const db = reopen();
    return new SqliteStore(db, location, inMemory ? undefined : new DatabaseFile(location), reopen);
  }

  /** Applies one learn in one transaction; resolved only after COMMIT. */
  learn(record: LearnRecord): Promise<LearnOutcome> {
    return this.#call("learn", (db) => {
      validateLearnRecord(record);
      return inTransaction(db, () => {
        const row = this.#patternStmt(SQL.selectPattern).get(
          record.nodeId,
          record.name,
        ) as unknown as PatternRow | undefined;
        const plan = planLearn(
          row === undefined ? null : toPattern(row),
          record,
        );
        const { pattern, deltas } = plan;
        const emotives = JSON.stringify(pattern.emotives);
        const metadata = JSON.stringify(pattern.metadata);
        if (plan.created) {
          this.#stmt(SQL.insertPattern).run(
            record.nodeId,
            pattern.name,
            JSON.stringify(pattern.events),
            pattern.length,
            pattern.frequency,
            emotives,
            metadata,
          );
        } else {
          this.#stmt(SQL.updatePattern).run(
            pattern.frequency,
            emotives,
            metadata,
            row![0],
          );
        }
        const upsertSymbol = this.#stmt(SQL.upsertSymbol);
        for (const delta of deltas.symbols) {
          upsertSymbol.run(
            record.nodeId,
            delta.symbol,
            delta.frequency,
            delta.patternMemberFrequency,
          );
        }
        const totals = deltas.totals;
        this.#stmt(SQL.upsertTotals).run(
          record.nodeId,
          totals.totalSymbolsInPatternsFrequencies,
          totals.totalPatternFrequencies,
          totals.totalUniquePatterns,
        );
        return { created: plan.created, pattern };
      });
    });
  }

  /** One pattern by bare name, or null. */
  getPattern(nodeId: string, name: string): Promise<StoredPattern | null> {
    return this.#read("get pattern", () => {
      assertString("nodeId", nodeId);
      assertString("name", name);
      const row = this.#patternStmt(SQL.selectPattern).get(nodeId, name) as
        | PatternRow
        | undefined;
      return row === undefined ? null : toPattern(row);
    });
  }

  /**
   * Streams a node's patterns in learn order. Each batch is one indexed range query after the last
   * `seq` delivered (keyset pagination), so memory stays at one batch and no read transaction is
   * held while `onBatch` runs; a pattern learned meanwhile is delivered if it lands after the cursor.
   */
  async loadPatterns(
    nodeId: string,
    batchSize: number,
    onBatch: PatternBatchHandler,
  ): Promise<number> {
    assertString("nodeId", nodeId);
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(
        `Invalid batchSize: expected a positive integer, got ${batchSize}`,
      );
    }
    let after = 0;
    let delivered = 0;
    while (true) {
      const rows = await this.#read("load patterns", () => {
        return this.#patternStmt(SQL.selectPatternPage).all(
          nodeId,
          after,
          batchSize,
        ) as unknown[] as PatternRow[];
      });
      if (rows.length === 0) break;
      after = rows[rows.length - 1]![0];
      delivered += rows.length;
      await onBatch(rows.map(toPattern));
      if (rows.length < batchSize) break;
    }
    return delivered;
  }

  /**
   * `loadPatterns` as columns with vocabulary ids, decoded on `workers` threads that read beside this
   * connection (WAL); patterns learned during the call may or may not be delivered, as there.
   */
  async loadColumns(
    nodeId: string,
    workers: number,
    onColumns: ColumnsHandler,
    onSize?: (patterns: number, symbols: number) => void,
  ): Promise<number> {
    assertString("nodeId", nodeId);
    if (!Number.isInteger(workers) || workers < 0) {
      throw new RangeError(`Invalid workers: expected a non-negative integer, got ${workers}`);
    }
    const db = await this.#read("load patterns", (current) => current);
    const location = this.#file === undefined ? undefined : this.location;
    try {
      return await loadColumns(db, location, nodeId, workers, onColumns, onSize);
    } catch (error) {
      throw translateError("load patterns", error);
    }
  }

  /** Number of patterns of a node. */
  countPatterns(nodeId: string): Promise<number> {
    return this.#read("count patterns", () => {
      assertString("nodeId", nodeId);
      return this.#stmt(SQL.countPatterns).get(nodeId)!.count as number;
    });
  }

  /** Every node with patterns or statistics, in code-point order. */
  listNodes(): Promise<string[]> {
    return this.#read("list nodes", () => {
      return this.#stmt(SQL.listNodes).all().map((row) => row.node_id as string);
    });
  }

  /** All symbol statistics of a node. */
  loadSymbolStats(nodeId: string): Promise<Map<string, SymbolStats>> {
    return this.#read("load symbol statistics", () => {
      assertString("nodeId", nodeId);
      const stats = new Map<string, SymbolStats>();
      for (const row of this.#stmt(SQL.selectSymbols).iterate(nodeId)) {
        stats.set(row.symbol as string, {
          frequency: row.frequency as number,
          patternMemberFrequency: row.pmf as number,
        });
      }
      return stats;
    });
  }

  /** The node's totals, zeros for an unknown node. */
  getTotals(nodeId: string): Promise<NodeTotals> {
    return this.#read("get totals", () => {
      assertString("nodeId", nodeId);
      const row = this.#stmt(SQL.selectTotals).get(nodeId);
      return {
        totalSymbolsInPatternsFrequencies: (row?.total_symbols_in_patterns_frequencies ?? 0) as number,
        totalPatternFrequencies: (row?.total_pattern_frequencies ?? 0) as number,
        totalUniquePatterns: (row?.total_unique_patterns ?? 0) as number,
      };
    });
  }

  /** Deletes a node's patterns, statistics, totals and finalized metrics in one transaction. */
  clearNode(nodeId: string): Promise<void> {
    return this.#call("clear node", (db) => {
      assertString("nodeId", nodeId);
      inTransaction(db, () => {
        for (const sql of SQL.clearNode) this.#stmt(sql).run(nodeId);
      });
    });
  }

  /** Writes patterns as given in one transaction; an existing name keeps its `seq` (ON CONFLICT updates the row). */
  importPatterns(nodeId: string, patterns: readonly StoredPattern[]): Promise<void> {
    return this.#call("import patterns", (db) => {
      assertString("nodeId", nodeId);
      for (const pattern of patterns) validateImportedPattern(pattern);
      inTransaction(db, () => {
        const upsert = this.#stmt(SQL.importPattern);
        for (const p of patterns) {
          upsert.run(
            nodeId,
            p.name,
            JSON.stringify(p.events),
            p.length,
            p.frequency,
            JSON.stringify(p.emotives),
            JSON.stringify(p.metadata),
          );
        }
      });
    });
  }

  /** Sets symbol statistics as given, in one transaction. */
  importSymbolStats(nodeId: string, stats: ReadonlyMap<string, SymbolStats>): Promise<void> {
    return this.#call("import symbol statistics", (db) => {
      assertString("nodeId", nodeId);
      for (const [symbol, s] of stats) validateSymbolStats(symbol, s);
      inTransaction(db, () => {
        const upsert = this.#stmt(SQL.importSymbol);
        for (const [symbol, s] of stats) upsert.run(nodeId, symbol, s.frequency, s.patternMemberFrequency);
      });
    });
  }

  /** Sets the node's totals as given. */
  importTotals(nodeId: string, totals: NodeTotals): Promise<void> {
    return this.#call("import totals", () => {
      assertString("nodeId", nodeId);
      validateTotals(totals);
      this.#stmt(SQL.importTotals).run(
        nodeId,
        totals.totalSymbolsInPatternsFrequencies,
        totals.totalPatternFrequencies,
        totals.totalUniquePatterns,
      );
    });
  }

  /** Upserts finalize-training metrics in one transaction; other patterns' metrics are kept. */
  saveFinalized(
    nodeId: string,
    metrics: Map<string, FinalizedMetrics>,
  ): Promise<void> {
    return this.#call("save finalized metrics", (db) => {
      assertString("nodeId", nodeId);
      inTransaction(db, () => {
        const upsert = this.#stmt(SQL.upsertFinalized);
        for (const [name, m] of metrics) {
          assertString("name", name);
          upsert.run(
            nodeId,
            name,
            m.entropy,
            m.normalized_entropy,
            m.global_normalized_entropy,
            m.tfidf_score,
          );
        }
      });
    });
  }

  /** Finalize-training metrics of a node (a NaN that was saved reads back as NaN). */
  loadFinalized(nodeId: string): Promise<Map<string, FinalizedMetrics>> {
    return this.#read("load finalized metrics", () => {
      assertString("nodeId", nodeId);
      const metrics = new Map<string, FinalizedMetrics>();
      for (const row of this.#stmt(SQL.selectFinalized).iterate(nodeId)) {
        metrics.set(row.name as string, {
          entropy: realOrNaN(row.entropy),
          normalized_entropy: realOrNaN(row.normalized_entropy),
          global_normalized_entropy: realOrNaN(row.global_normalized_entropy),
          tfidf_score: realOrNaN(row.tfidf_score),
        });
      }
      return metrics;
    });
  }

  /** The vocabulary in id order (id = index + 1). */
  loadVocabulary(): Promise<string[]> {
    return this.#read("load vocabulary", () => {
      return this.#stmt(SQL.selectVocabulary).all().map((row) => row.symbol as string);
    });
  }

  /**
   * Appends symbols with ids `firstId, firstId + 1, …` in one transaction.
   *
   * @throws {RangeError} When `firstId` is not the current size + 1 (another writer got there
   * first, or the caller lost track), or a symbol is already in the vocabulary; nothing is appended.
   */
  appendVocabulary(firstId: number, symbols: readonly string[]): Promise<void> {
    return this.#call("append vocabulary", (db) => {
      if (!Number.isInteger(firstId) || firstId < 1) {
        throw new RangeError(
          `Invalid firstId: expected a positive integer, got ${firstId}`,
        );
      }
      for (const symbol of symbols) assertString("symbol", symbol);
      inTransaction(db, () => {
        const size = this.#stmt(SQL.vocabularySize).get()!.size as number;
        if (firstId !== size + 1) {
          throw new RangeError(
            `Cannot append vocabulary: first id ${firstId} given, ${size + 1} expected`,
          );
        }
        const insert = this.#stmt(SQL.insertVocabulary);
        symbols.forEach((symbol, i) => {
          if (Number(insert.run(firstId + i, symbol).changes) === 0) {
            throw new RangeError(
              `Cannot append vocabulary: symbol already present: ${symbol}`,
            );
          }
        });
      });
    });
  }

  /** Creates or replaces a session. */
  saveSession(session: SessionRecord): Promise<void> {
    return this.#call("save session", () => {
      assertString("sessionId", session.sessionId);
      assertString("nodeId", session.nodeId);
      if (!Number.isFinite(session.expiresAt)) {
        throw new TypeError(
          `Invalid expiresAt: expected epoch milliseconds, got ${session.expiresAt}`,
        );
      }
      const data = JSON.stringify(session.data);
      if (data === undefined) {
        throw new TypeError("Invalid session data: not JSON-serialisable");
      }
      this.#stmt(SQL.upsertSession).run(
        session.sessionId,
        session.nodeId,
        session.expiresAt,
        data,
      );
    });
  }

  /** A session by id, expired or not, or null. */
  getSession(sessionId: string): Promise<SessionRecord | null> {
    return this.#read("get session", () => {
      assertString("sessionId", sessionId);
      const row = this.#stmt(SQL.selectSession).get(sessionId);
      return row === undefined ? null : toSession(row);
    });
  }

  /** Deletes a session; true when it existed. */
  deleteSession(sessionId: string): Promise<boolean> {
    return this.#call("delete session", () => {
      assertString("sessionId", sessionId);
      return this.#stmt(SQL.deleteSession).run(sessionId).changes > 0;
    });
  }

  /** Sessions with `expiresAt > now`, by session id. */
  loadActiveSessions(now: number): Promise<SessionRecord[]> {
    return this.#read("load sessions", () => {
      return this.#stmt(SQL.selectActiveSessions).all(now).map(toSession);
    });
  }

  /** Deletes sessions with `expiresAt <= now`; returns how many. */
  purgeExpiredSessions(now: number): Promise<number> {
    return this.#call("purge sessions", () => {
      return Number(this.#stmt(SQL.purgeSessions).run(now).changes);
    });
  }

  /** Closes the database (SQLite checkpoints the WAL); later calls reject, a second close does nothing. */
  close(): Promise<void> {
    try {
      this[Symbol.dispose]();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Synchronous `close()`, for `using`. */
  [Symbol.dispose](): void {
    const db = this.#db;
    if (db === null) return;
    this.#db = null;
    this.#statements.clear();
    try {
      db.close();
    } catch (error) {
      throw translateError("close store", error);
    }
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db!.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A statement selecting `PATTERN_COLUMNS`, returning rows as arrays: a million-row load spends a
   * third less time than with one object per row.
   */
  #patternStmt(sql: string): StatementSync {
    const statement = this.#stmt(sql) as ArrayCapableStatement;
    statement.setReturnArrays(true);
    return statement;
  }

  /**
   * The connection, once the file at `location` is known to be the one it has open again (see
   * `_sqlite_file.ts`): a deleted file or log is written back and reopened first. Until that can
   * be done, writes fail and reads are answered by the open database.
   */
  async #repaired(action: string, write: boolean): Promise<DatabaseSync> {
    // One repair at a time; calls arriving meanwhile wait for it, then look again.
    while (this.#repair !== undefined) await this.#repair;
    const db = this.#db;
    if (db === null) throw new StoreUnavailableError(`Cannot ${action}: the store is closed`);
    const state = this.#file!.state();
    if (state === "intact") return db;
    this.#statements.clear();
    const repair = this.#file!.recover(action, db, state, this.#reopen);
    this.#repair = repair.then(() => {}, () => {});
    try {
      this.#db = await repair;
      return this.#db;
    } catch (error) {
      // A repair that could not start leaves the old connection in use; one that failed midway
      // leaves the store closed (the data is in the restored copy next to the database).
      if (!db.isOpen) {
        this.#db = null;
        throw error;
      }
      if (write) throw error;
      return db;
    } finally {
      this.#repair = undefined;
    }
  }

  /** {@linkcode #call} for a body that only reads. */
  #read<T>(action: string, body: (db: DatabaseSync) => T): Promise<T> {
    return this.#call(action, body, false);
  }

  /** Runs a synchronous body as a promise, turning SQLite errors into `StoreUnavailableError`. */
  #call<T>(action: string, body: (db: DatabaseSync) => T, write = true): Promise<T> {
    const db = this.#db;
    if (db === null) {
      return Promise.reject(
        new StoreUnavailableError(`Cannot ${action}: the store is closed`),
      );
    }
    try {
      if (this.#repair !== undefined || (this.#file !== undefined && this.#file.state() !== "intact")) {
        return this.#repaired(action, write).then((current) => body(current)).catch((error) => {
          throw translateError(action, error);
        });
      }
      return Promise.resolve(body(db));
    } catch (error) {
      return Promise.reject(translateError(action, error));
    }
  }
}

/**
 * Opens the database with the store's pragmas and schema.
 *
 * @throws {StoreUnavailableError} Whatever stops the open (permissions, a file where the directory
 * should be, a lock, a schema from a newer build) leaves the process without a store.
 */
function openDatabase(
  location: string,
  inMemory: boolean,
  synchronous: "FULL" | "NORMAL",
  busyTimeoutMs: number,
): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(location);
    // The timeout comes first so that switching to WAL also waits for another opener's lock.
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    if (!inMemory) setWal(db);
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    migrate(db);
    return db;
  } catch (error) {
    if (db?.isOpen) db.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreUnavailableError(`Cannot open store at ${location}: ${reason}`, { cause: error });
  }
}

function setWal(db: DatabaseSync): void {
  const mode = db.prepare("PRAGMA journal_mode = WAL").get()?.journal_mode;
  if (mode !== "wal") {
    throw new Error(`journal_mode is ${mode}, WAL could not be enabled`);
  }
}
