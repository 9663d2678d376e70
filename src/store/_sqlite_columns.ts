/**
 * The column decoder of {@linkcode SqliteStore.loadColumns}: a range of a node's pattern rows turned into
 * typed arrays with vocabulary ids, the shape the engine's catalog and libmatcher take in bulk. It skips
 * the per-pattern objects of `loadPatterns`, and it runs unchanged in a worker. Private to `src/store`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Emotives, Event } from "../kato/types.ts";
import { NAME_BYTES, writeNameBytes } from "../util/hex.ts";
import type { ArrayCapableStatement } from "./_sqlite_sql.ts";
import type { PatternColumns } from "./types.ts";

/** Rows of one node in `(after, upTo]` of `seq`, in learn order. */
const SELECT_RANGE = `SELECT name, events, frequency, emotives FROM patterns
  WHERE node_id = ? AND seq > ? AND seq <= ? ORDER BY seq`;

/** A node's seq range and row count, for cutting the load into chunks. */
export const SELECT_SPAN = `SELECT coalesce(min(seq), 0) AS first, coalesce(max(seq), 0) AS last,
  count(*) AS count, coalesce(sum(length), 0) AS symbols FROM patterns WHERE node_id = ?`;

/** Symbol → id, ids as `loadVocabulary` assigns them (position in id order, plus one). */
export function vocabularyIds(db: DatabaseSync): Map<string, number> {
  const ids = new Map<string, number>();
  for (const row of db.prepare("SELECT symbol FROM vocabulary ORDER BY id").iterate()) {
    ids.set(row.symbol as string, ids.size + 1);
  }
  return ids;
}

/** An Int32Array that grows by doubling. */
class Int32Column {
  data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  done(): Int32Array<ArrayBuffer> {
    return this.data.slice(0, this.length);
  }
}

/**
 * Decodes the rows of `nodeId` with `after < seq <= upTo`.
 *
 * @throws {RangeError} When a stored symbol is not in the vocabulary (the store is inconsistent).
 */
export function decodeRange(
  db: DatabaseSync,
  nodeId: string,
  after: number,
  upTo: number,
  vocabulary: ReadonlyMap<string, number>,
): PatternColumns {
  const statement = db.prepare(SELECT_RANGE) as ArrayCapableStatement;
  statement.setReturnArrays(true);
  let names = new Uint8Array(NAME_BYTES * 1024);
  const frequencies = new Int32Column();
  const lengths = new Int32Column();
  const symbols = new Int32Column();
  const eventCounts = new Int32Column();
  const eventSizes = new Int32Column();
  const emotives: [number, Emotives[]][] = [];
  let count = 0;
  for (const row of statement.iterate(nodeId, after, upTo) as unknown as Iterable<[string, string, number, string]>) {
    const [name, eventsJson, frequency, emotivesJson] = row;
    if ((count + 1) * NAME_BYTES > names.length) {
      const grown = new Uint8Array(names.length * 2);
      grown.set(names);
      names = grown;
    }
    writeNameBytes(name, names, count * NAME_BYTES);
    frequencies.push(frequency);
    const events = JSON.parse(eventsJson) as Event[];
    let length = 0;
    for (const event of events) {
      eventSizes.push(event.length);
      for (const symbol of event) {
        const id = vocabulary.get(symbol);
        if (id === undefined) throw new RangeError(`Cannot load pattern ${name}: symbol '${symbol}' has no id`);
        symbols.push(id);
      }
      length += event.length;
    }
    lengths.push(length);
    eventCounts.push(events.length);
    if (emotivesJson !== "[]") emotives.push([count, JSON.parse(emotivesJson)]);
    count++;
  }
  return {
    count,
    names: names.slice(0, count * NAME_BYTES),
    frequencies: frequencies.done(),
    lengths: lengths.done(),
    symbols: symbols.done(),
    eventCounts: eventCounts.done(),
    eventSizes: eventSizes.done(),
    emotives,
  };
}

/** The buffers of `columns`, for a zero-copy `postMessage`. */
export function transferablesOf(columns: PatternColumns): ArrayBuffer[] {
  return [
    columns.names,
    columns.frequencies,
    columns.lengths,
    columns.symbols,
    columns.eventCounts,
    columns.eventSizes,
  ].map((array) => array.buffer as ArrayBuffer);
}
