/**
 * Keeps {@linkcode SqliteStore}'s open database and the file at its path the same file. Private to
 * `src/store`.
 *
 * A database file deleted while open does not stop SQLite: it keeps writing into the unlinked file,
 * and every commit acknowledged from then on vanishes at the next restart. So before each call the
 * store compares the path's identity (device and inode) with the file it opened, and:
 * - main file gone: writes a copy of the open database back to the path (SQLite's online backup,
 *   fsynced, renamed into place) and reopens it; nothing acknowledged is lost and no restart is needed. If the
 *   directory itself is gone, calls fail with `StoreUnavailableError` (503) until it exists again:
 *   recreating it could put the data on the wrong disk when a volume is not mounted;
 * - write-ahead log gone: checkpoints the unlinked log into the main file and reopens;
 * - another file at the path: refuses every call, since that file may be someone's restore.
 *
 * @module
 */

import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { backup, type DatabaseSync } from "node:sqlite";
import { StoreUnavailableError } from "./errors.ts";

/** How the files at the path relate to the open database. */
export type FileState = "intact" | "main-missing" | "wal-missing" | "replaced";

/** The identity of the open database's main file and write-ahead log. */
export class DatabaseFile {
  /** The main file's path. */
  readonly location: string;
  #main: string;
  #wal: string | undefined;

  /** Records the identity of the files now at `location` (the caller has just opened them). */
  constructor(location: string) {
    this.location = location;
    const main = identity(location);
    if (main === undefined) throw new StoreUnavailableError(`Cannot open store at ${location}: the file is missing`);
    this.#main = main;
    this.#wal = identity(`${location}-wal`);
  }

  /** Compares the path with the open files: two `stat` calls, a few microseconds. */
  state(): FileState {
    const main = identity(this.location);
    if (main === undefined) return "main-missing";
    if (main !== this.#main) return "replaced";
    const wal = identity(`${this.location}-wal`);
    // SQLite creates the log at the first transaction, so a log that appears later is ours.
    if (this.#wal === undefined) this.#wal = wal;
    else if (wal === undefined) return "wal-missing";
    else if (wal !== this.#wal) return "replaced";
    return "intact";
  }

  /**
   * Repairs a `main-missing` or `wal-missing` state and returns the reopened database; `db` is closed.
   * Throws `StoreUnavailableError` with `db` still open and usable when the repair cannot start
   * (directory gone, disk full): the next call tries again. The caller runs nothing else on `db`
   * meanwhile. (The copy is not `VACUUM INTO`: Deno allows no ATTACH without --allow-all.)
   */
  async recover(
    action: string,
    db: DatabaseSync,
    state: Exclude<FileState, "intact">,
    reopen: () => DatabaseSync,
  ): Promise<DatabaseSync> {
    const fail = (why: string, cause?: unknown): never => {
      throw new StoreUnavailableError(`Cannot ${action}: ${why}`, cause === undefined ? {} : { cause });
    };
    if (state === "replaced") {
      fail(
        `${this.location} was replaced by another file while open; restart to use the new file, ` +
          "or move it away to have the open database written back",
      );
    }
    if (state === "wal-missing") {
      const result = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get();
      if (result?.busy !== 0) {
        fail(`the write-ahead log of ${this.location} was deleted and cannot be checkpointed yet`);
      }
      db.close();
    } else {
      const directory = dirname(this.location);
      if (statSync(directory, { throwIfNoEntry: false })?.isDirectory() !== true) {
        fail(`the data directory ${directory} is gone; create it again and the database is written back`);
      }
      const copy = `${this.location}.restore-${Deno.pid}`;
      try {
        rmSync(copy, { force: true });
        await backup(db, copy);
        fsyncPath(copy);
      } catch (error) {
        rmSync(copy, { force: true });
        fail(`${this.location} was deleted and cannot be written back: ${(error as Error).message}`, error);
      }
      db.close();
      // The deleted database's log and shared memory stayed at the path; SQLite must not replay them.
      for (const suffix of ["-wal", "-shm"]) rmSync(`${this.location}${suffix}`, { force: true });
      renameSync(copy, this.location);
      fsyncPath(directory);
    }
    const reopened = reopen();
    this.#main = identity(this.location)!;
    this.#wal = identity(`${this.location}-wal`);
    return reopened;
  }
}

function identity(path: string): string | undefined {
  try {
    const stat = Deno.statSync(path);
    return `${stat.dev}:${stat.ino}`;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new StoreUnavailableError(`Cannot check ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
