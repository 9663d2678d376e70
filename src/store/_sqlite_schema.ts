/**
 * The SQLite schema of {@linkcode SqliteStore} and its migration on open. Private to `src/store`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "./_sqlite_tx.ts";

/** The schema version this build writes; a database with a newer one is refused. */
export const SCHEMA_VERSION = 1;

/**
 * Version 1. JSON columns hold exactly what the `StoredPattern` fields hold. Names, symbols and node
 * ids use SQLite's default BINARY collation, which orders UTF-8 bytes and therefore code points,
 * as Python sorts `str`.
 */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);

-- seq is the learn order that loadPatterns pages through; AUTOINCREMENT keeps it growing after a
-- clearNode deletes the newest rows, so a node's order never goes back in time.
CREATE TABLE IF NOT EXISTS patterns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  node_id TEXT NOT NULL,
  name TEXT NOT NULL,
  events TEXT NOT NULL,
  length INTEGER NOT NULL,
  frequency INTEGER NOT NULL,
  emotives TEXT NOT NULL,
  metadata TEXT NOT NULL,
  UNIQUE (node_id, name)
);
CREATE INDEX IF NOT EXISTS patterns_by_node_seq ON patterns (node_id, seq);

CREATE TABLE IF NOT EXISTS symbols (
  node_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  frequency INTEGER NOT NULL,
  pmf INTEGER NOT NULL,
  PRIMARY KEY (node_id, symbol)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS totals (
  node_id TEXT PRIMARY KEY,
  total_symbols_in_patterns_frequencies INTEGER NOT NULL,
  total_pattern_frequencies INTEGER NOT NULL,
  total_unique_patterns INTEGER NOT NULL
) WITHOUT ROWID;

-- SQLite stores a NaN REAL as NULL; the store reads NULL back as NaN.
CREATE TABLE IF NOT EXISTS finalized (
  node_id TEXT NOT NULL,
  name TEXT NOT NULL,
  entropy REAL,
  normalized_entropy REAL,
  global_normalized_entropy REAL,
  tfidf_score REAL,
  PRIMARY KEY (node_id, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS vocabulary (
  id INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (expires_at);
`;

/**
 * Creates the schema on a new database, or checks the version of an existing one, in one write
 * transaction so that two processes opening the same new file cannot both create it half-way.
 *
 * @throws {Error} When the database was written by a newer build.
 */
export function migrate(db: DatabaseSync): void {
  inTransaction(db, () => {
    db.exec(SCHEMA_V1);
    const row = db.prepare("SELECT max(version) AS version FROM schema_version")
      .get();
    const version = row?.version ?? null;
    if (version === null) {
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(
        SCHEMA_VERSION,
      );
    } else if (typeof version !== "number" || version > SCHEMA_VERSION) {
      throw new Error(
        `schema version ${version} found, this build supports up to ${SCHEMA_VERSION}`,
      );
    }
  });
}
