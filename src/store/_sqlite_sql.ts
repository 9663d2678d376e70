/**
 * The SQL text of {@linkcode SqliteStore} and the decoding of its rows. Private to `src/store`.
 *
 * @module
 */

import type { SQLOutputValue, StatementSync } from "node:sqlite";
import type { SessionRecord, StoredPattern } from "./types.ts";

/** A row as `node:sqlite` returns it by default. */
export type Row = Record<string, SQLOutputValue>;

/** Deno 2.9's `node:sqlite` has `setReturnArrays` (Node 24) but its bundled types do not list it yet. */
export type ArrayCapableStatement = StatementSync & {
  setReturnArrays(enabled: boolean): void;
};

/** A row of `PATTERN_COLUMNS`. */
export type PatternRow = [
  seq: number,
  name: string,
  events: string,
  length: number,
  frequency: number,
  emotives: string,
  metadata: string,
];

/** Decodes a `PATTERN_COLUMNS` row. */
export function toPattern(row: PatternRow): StoredPattern {
  return {
    name: row[1],
    events: JSON.parse(row[2]),
    length: row[3],
    frequency: row[4],
    emotives: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]),
  };
}

/** Decodes a row of the sessions table. */
export function toSession(row: Row): SessionRecord {
  return {
    sessionId: row.session_id as string,
    nodeId: row.node_id as string,
    expiresAt: row.expires_at as number,
    data: JSON.parse(row.data as string),
  };
}

/** A REAL column that may hold NULL, which is how SQLite stores NaN. */
export function realOrNaN(value: SQLOutputValue | undefined): number {
  return typeof value === "number" ? value : NaN;
}

const PATTERN_COLUMNS = "seq, name, events, length, frequency, emotives, metadata";

/** Every statement the store prepares (and caches, keyed by its text). */
export const SQL = {
  selectPattern: `SELECT ${PATTERN_COLUMNS} FROM patterns WHERE node_id = ? AND name = ?`,
  insertPattern: `INSERT INTO patterns (node_id, name, events, length, frequency, emotives, metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  updatePattern: "UPDATE patterns SET frequency = ?, emotives = ?, metadata = ? WHERE seq = ?",
  upsertSymbol: `INSERT INTO symbols (node_id, symbol, frequency, pmf) VALUES (?, ?, ?, ?)
    ON CONFLICT (node_id, symbol) DO UPDATE SET
      frequency = frequency + excluded.frequency, pmf = pmf + excluded.pmf`,
  upsertTotals: `INSERT INTO totals (node_id, total_symbols_in_patterns_frequencies,
      total_pattern_frequencies, total_unique_patterns) VALUES (?, ?, ?, ?)
    ON CONFLICT (node_id) DO UPDATE SET
      total_symbols_in_patterns_frequencies =
        total_symbols_in_patterns_frequencies + excluded.total_symbols_in_patterns_frequencies,
      total_pattern_frequencies = total_pattern_frequencies + excluded.total_pattern_frequencies,
      total_unique_patterns = total_unique_patterns + excluded.total_unique_patterns`,
  importPattern: `INSERT INTO patterns (node_id, name, events, length, frequency, emotives, metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (node_id, name) DO UPDATE SET events = excluded.events, length = excluded.length,
      frequency = excluded.frequency, emotives = excluded.emotives, metadata = excluded.metadata`,
  importSymbol: `INSERT INTO symbols (node_id, symbol, frequency, pmf) VALUES (?, ?, ?, ?)
    ON CONFLICT (node_id, symbol) DO UPDATE SET frequency = excluded.frequency, pmf = excluded.pmf`,
  importTotals: `INSERT INTO totals (node_id, total_symbols_in_patterns_frequencies,
      total_pattern_frequencies, total_unique_patterns) VALUES (?, ?, ?, ?)
    ON CONFLICT (node_id) DO UPDATE SET
      total_symbols_in_patterns_frequencies = excluded.total_symbols_in_patterns_frequencies,
      total_pattern_frequencies = excluded.total_pattern_frequencies,
      total_unique_patterns = excluded.total_unique_patterns`,
  selectPatternPage: `SELECT ${PATTERN_COLUMNS} FROM patterns
    WHERE node_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  countPatterns: "SELECT count(*) AS count FROM patterns WHERE node_id = ?",
  listNodes: `SELECT node_id FROM patterns UNION SELECT node_id FROM symbols
    UNION SELECT node_id FROM totals ORDER BY node_id`,
  selectSymbols: "SELECT symbol, frequency, pmf FROM symbols WHERE node_id = ?",
  selectTotals: `SELECT total_symbols_in_patterns_frequencies, total_pattern_frequencies,
    total_unique_patterns FROM totals WHERE node_id = ?`,
  clearNode: [
    "DELETE FROM patterns WHERE node_id = ?",
    "DELETE FROM symbols WHERE node_id = ?",
    "DELETE FROM totals WHERE node_id = ?",
    "DELETE FROM finalized WHERE node_id = ?",
  ],
  upsertFinalized: `INSERT INTO finalized (node_id, name, entropy, normalized_entropy,
      global_normalized_entropy, tfidf_score) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (node_id, name) DO UPDATE SET entropy = excluded.entropy,
      normalized_entropy = excluded.normalized_entropy,
      global_normalized_entropy = excluded.global_normalized_entropy,
      tfidf_score = excluded.tfidf_score`,
  selectFinalized: `SELECT name, entropy, normalized_entropy, global_normalized_entropy, tfidf_score
    FROM finalized WHERE node_id = ?`,
  selectVocabulary: "SELECT symbol FROM vocabulary ORDER BY id",
  vocabularySize: "SELECT coalesce(max(id), 0) AS size FROM vocabulary",
  insertVocabulary: "INSERT INTO vocabulary (id, symbol) VALUES (?, ?) ON CONFLICT (symbol) DO NOTHING",
  upsertSession: `INSERT INTO sessions (session_id, node_id, expires_at, data) VALUES (?, ?, ?, ?)
    ON CONFLICT (session_id) DO UPDATE SET node_id = excluded.node_id,
      expires_at = excluded.expires_at, data = excluded.data`,
  selectSession: "SELECT session_id, node_id, expires_at, data FROM sessions WHERE session_id = ?",
  deleteSession: "DELETE FROM sessions WHERE session_id = ?",
  selectActiveSessions: `SELECT session_id, node_id, expires_at, data FROM sessions
    WHERE expires_at > ? ORDER BY session_id`,
  purgeSessions: "DELETE FROM sessions WHERE expires_at <= ?",
} as const;
