/**
 * Write transactions and error translation for {@linkcode SqliteStore}. Private to `src/store`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { StoreUnavailableError } from "./errors.ts";

/**
 * Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on any error.
 *
 * IMMEDIATE takes the write lock up front, so a concurrent writer in another process makes us wait
 * (busy_timeout) at BEGIN instead of failing at the first write with a deadlock-style SQLITE_BUSY.
 * `body` must be synchronous: no other call can then interleave with it in this process.
 */
export function inTransaction<T>(db: DatabaseSync, body: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = body();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    // SQLite rolls back by itself after some errors (disk full, I/O error); a second ROLLBACK would
    // then fail and hide the error that matters.
    if (db.isTransaction) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // The original error is reported below; a failed rollback leaves SQLite to recover the
        // journal on the next open.
      }
    }
    throw error;
  }
}

/** True for errors raised by SQLite through `node:sqlite` (they carry `code: "ERR_SQLITE_ERROR"`). */
export function isSqliteError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("ERR_SQLITE");
}

/**
 * Turns SQLite's errors into {@linkcode StoreUnavailableError}; argument errors and errors of caller
 * callbacks pass through unchanged.
 */
export function translateError(action: string, error: unknown): unknown {
  if (!isSqliteError(error)) return error;
  return new StoreUnavailableError(`Cannot ${action}: ${error.message}`, {
    cause: error,
  });
}
