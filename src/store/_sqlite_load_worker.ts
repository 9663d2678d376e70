/**
 * Worker of {@linkcode SqliteStore.loadColumns}: opens the database read-only (WAL lets it read beside
 * the service's connection) and decodes the seq ranges it is sent. Private to `src/store`.
 *
 * Messages in: `{ location, nodeId, chunk, after, upTo }`. Out: `{ chunk, columns }` with the buffers
 * transferred, or `{ chunk, error }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { DatabaseSync } from "node:sqlite";
import { decodeRange, transferablesOf, vocabularyIds } from "./_sqlite_columns.ts";

/** One range to decode. */
export interface LoadTask {
  location: string;
  nodeId: string;
  chunk: number;
  after: number;
  upTo: number;
}

let opened: { location: string; db: DatabaseSync; vocabulary: Map<string, number> } | undefined;

self.onmessage = (event: MessageEvent<LoadTask>) => {
  const task = event.data;
  try {
    if (opened?.location !== task.location) {
      opened?.db.close();
      const db = new DatabaseSync(task.location, { readOnly: true });
      opened = { location: task.location, db, vocabulary: vocabularyIds(db) };
    }
    const columns = decodeRange(opened.db, task.nodeId, task.after, task.upTo, opened.vocabulary);
    self.postMessage({ chunk: task.chunk, columns }, transferablesOf(columns));
  } catch (error) {
    self.postMessage({ chunk: task.chunk, error: error instanceof Error ? error.message : String(error) });
  }
};
