/**
 * The pattern catalog: one node's patterns in memory, in pooled typed arrays.
 *
 * The engine needs, per candidate, its name, frequency and events to build a prediction. Holding them
 * as JS objects costs hundreds of bytes per pattern; pooled arrays keep ten million patterns within a
 * few GB: names as 20 raw SHA-1 bytes found through an open-addressing table, symbols as ids, and the
 * event sizes that rebuild the events.
 *
 * @module
 */

import type { Emotives, Event } from "../kato/types.ts";
import type { PatternColumns } from "../store/types.ts";
import { NAME_BYTES, writeNameBytes } from "../util/hex.ts";
import { CatalogView } from "./catalog_view.ts";
import type { SymbolEncoder } from "./encoder.ts";

const EMPTY = -1;

/** Patterns of one node, addressed by dense id (insertion order). */
export class PatternCatalog {
  #size = 0;
  #names = new Uint8Array(NAME_BYTES * 64);
  #frequencies = new Int32Array(64);
  #symbolStart = new Float64Array(65);
  #symbols = new Int32Array(1024);
  #eventStart = new Float64Array(65);
  #eventSizes = new Int32Array(256);
  #emotives = new Map<number, Emotives[]>();
  #table = new Int32Array(128).fill(EMPTY);
  #view: CatalogView | undefined;

  /** Number of patterns. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds a pattern and returns its id.
   *
   * @example Add, find, decode
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert";
   * import { PatternCatalog } from "./catalog.ts";
   * import { SymbolEncoder } from "./encoder.ts";
   * const encoder = new SymbolEncoder(["a", "b"]);
   * const catalog = new PatternCatalog();
   * const id = catalog.add("395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4", [["a", "b"]], encoder, 1, []);
   * assertEquals(catalog.idOf("395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4"), id);
   * assertEquals(catalog.eventsOf(id, encoder), [["a", "b"]]);
   * ```
   */
  add(name: string, events: readonly Event[], encoder: SymbolEncoder, frequency: number, emotives: Emotives[]): number {
    if (this.idOf(name) !== EMPTY) throw new RangeError(`Cannot add pattern: ${name} is already in the catalog`);
    const id = this.#size;
    this.#reserve(id + 1);
    writeNameBytes(name, this.#names, id * NAME_BYTES);
    this.#frequencies[id] = frequency;
    const flat = encoder.encodeKnown(events.flat());
    const symbolStart = this.#symbolStart[id]!;
    this.#symbols = ensure(this.#symbols, symbolStart + flat.length);
    this.#symbols.set(flat, symbolStart);
    this.#symbolStart[id + 1] = symbolStart + flat.length;
    const eventStart = this.#eventStart[id]!;
    this.#eventSizes = ensure(this.#eventSizes, eventStart + events.length);
    events.forEach((event, k) => this.#eventSizes[eventStart + k] = event.length);
    this.#eventStart[id + 1] = eventStart + events.length;
    if (emotives.length > 0) this.#emotives.set(id, emotives);
    this.#size++;
    if (this.#size * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    else this.#insert(id);
    return id;
  }

  /**
   * Appends a run of stored patterns (the bulk load) and returns the id of its first; ids follow in
   * order. Symbols are ids of this catalog's encoder. Names must be new.
   */
  appendColumns(columns: PatternColumns): number {
    const first = this.#size;
    const count = columns.count;
    this.#reserve(first + count);
    this.#names.set(columns.names.subarray(0, count * NAME_BYTES), first * NAME_BYTES);
    this.#frequencies.set(columns.frequencies, first);
    const symbolBase = this.#symbolStart[first]!;
    this.#symbols = ensure(this.#symbols, symbolBase + columns.symbols.length);
    this.#symbols.set(columns.symbols, symbolBase);
    const eventBase = this.#eventStart[first]!;
    this.#eventSizes = ensure(this.#eventSizes, eventBase + columns.eventSizes.length);
    this.#eventSizes.set(columns.eventSizes, eventBase);
    let symbolAt = symbolBase;
    let eventAt = eventBase;
    for (let i = 0; i < count; i++) {
      symbolAt += columns.lengths[i]!;
      eventAt += columns.eventCounts[i]!;
      this.#symbolStart[first + i + 1] = symbolAt;
      this.#eventStart[first + i + 1] = eventAt;
    }
    for (const [i, emotives] of columns.emotives) this.#emotives.set(first + i, emotives);
    if ((first + count) * 2 > this.#table.length) {
      let capacity = this.#table.length;
      while ((first + count) * 2 > capacity) capacity *= 2;
      this.#table = new Int32Array(capacity).fill(EMPTY);
      for (let id = 0; id < first; id++) this.#insert(id);
    }
    for (let id = first; id < first + count; id++) {
      if (this.#find(this.#names.subarray(id * NAME_BYTES, (id + 1) * NAME_BYTES)) !== EMPTY) {
        this.#size = id;
        throw new RangeError(`Cannot add pattern: ${this.nameOf(id)} is already in the catalog`);
      }
      this.#insert(id);
      this.#size = id + 1;
    }
    return first;
  }

  /**
   * Pre-sizes the pools for this many patterns, symbols and events in all, so a bulk load of a known
   * size does not regrow (at 10M patterns a doubling copy of the symbol pool costs gigabytes).
   */
  reserve(patterns: number, symbols: number, events: number): void {
    this.#reserve(patterns, true);
    this.#symbols = ensure(this.#symbols, symbols, true);
    this.#eventSizes = ensure(this.#eventSizes, events, true);
  }

  /** The id of a named pattern, or -1. */
  idOf(name: string): number {
    if (!/^[0-9a-f]{40}$/.test(name)) return EMPTY;
    const key = new Uint8Array(NAME_BYTES);
    writeNameBytes(name, key, 0);
    return this.#find(key);
  }

  #find(key: Uint8Array): number {
    const mask = this.#table.length - 1;
    for (let slot = hashOf(key) & mask;; slot = (slot + 1) & mask) {
      const id = this.#table[slot]!;
      if (id === EMPTY) return EMPTY;
      if (this.#nameEquals(id, key)) return id;
    }
  }

  /** The bare hex name of a pattern. */
  nameOf(id: number): string {
    return this.view().nameOf(id);
  }

  /** The learn count of a pattern. */
  frequencyOf(id: number): number {
    return this.view().frequencyOf(id);
  }

  /** Records a new learn count and emotive list (after a re-learn). */
  update(id: number, frequency: number, emotives: Emotives[]): void {
    this.#frequencies[id] = Math.max(this.#frequencies[id]!, frequency);
    if (emotives.length > 0) this.#emotives.set(id, emotives);
  }

  /** Stored emotive dicts of a pattern. */
  emotivesOf(id: number): Emotives[] {
    return this.view().emotivesOf(id);
  }

  /** The flattened symbol ids of a pattern (a view; do not modify). */
  symbolsOf(id: number): Int32Array {
    return this.view().symbolsOf(id);
  }

  /** The pattern's events, decoded. */
  eventsOf(id: number, encoder: SymbolEncoder): Event[] {
    return this.view().eventsOf(id, encoder);
  }

  /**
   * The pools as they are now. What it shows for today's ids never changes: pools are appended to or
   * replaced whole, never rewritten, so a query's candidates can decode lazily through it.
   */
  view(): CatalogView {
    const view = this.#view;
    if (
      view !== undefined && view.names === this.#names && view.symbolStart === this.#symbolStart &&
      view.symbols === this.#symbols && view.eventStart === this.#eventStart &&
      view.eventSizes === this.#eventSizes && view.frequencies === this.#frequencies && view.emotives === this.#emotives
    ) return view;
    return this.#view = new CatalogView(
      this.#names,
      this.#symbolStart,
      this.#symbols,
      this.#eventStart,
      this.#eventSizes,
      this.#frequencies,
      this.#emotives,
    );
  }

  /** Removes every pattern. New pools, not cleared ones: views taken before keep their patterns. */
  clear(): void {
    this.#size = 0;
    this.#names = new Uint8Array(NAME_BYTES * 64);
    this.#frequencies = new Int32Array(64);
    this.#symbolStart = new Float64Array(65);
    this.#symbols = new Int32Array(1024);
    this.#eventStart = new Float64Array(65);
    this.#eventSizes = new Int32Array(256);
    this.#emotives = new Map();
    this.#table = new Int32Array(128).fill(EMPTY);
  }

  #reserve(count: number, exact = false): void {
    if (count <= this.#frequencies.length) return;
    const capacity = exact ? count : Math.max(count, this.#frequencies.length * 2);
    const names = new Uint8Array(capacity * NAME_BYTES);
    names.set(this.#names);
    this.#names = names;
    const frequencies = new Int32Array(capacity);
    frequencies.set(this.#frequencies);
    this.#frequencies = frequencies;
    this.#symbolStart = grownOffsets(this.#symbolStart, capacity + 1);
    this.#eventStart = grownOffsets(this.#eventStart, capacity + 1);
  }

  #rehash(capacity: number): void {
    this.#table = new Int32Array(capacity).fill(EMPTY);
    for (let id = 0; id < this.#size; id++) this.#insert(id);
  }

  #insert(id: number): void {
    const mask = this.#table.length - 1;
    let slot = hashOf(this.#names.subarray(id * NAME_BYTES, (id + 1) * NAME_BYTES)) & mask;
    while (this.#table[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.#table[slot] = id;
  }

  #nameEquals(id: number, key: Uint8Array): boolean {
    const base = id * NAME_BYTES;
    for (let k = 0; k < NAME_BYTES; k++) if (this.#names[base + k] !== key[k]) return false;
    return true;
  }
}

/**
 * Mixes all 20 name bytes. SHA-1 names are uniform, but imported names need not be (and a fixed prefix
 * would turn every probe sequence into one long chain).
 */
function hashOf(bytes: Uint8Array): number {
  let h = 0x811C9DC5;
  for (let k = 0; k < NAME_BYTES; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

function ensure(array: Int32Array<ArrayBuffer>, length: number, exact = false): Int32Array<ArrayBuffer> {
  if (length <= array.length) return array;
  const out = new Int32Array(exact ? length : Math.max(length, array.length * 2));
  out.set(array);
  return out;
}

function grownOffsets(array: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(length);
  out.set(array);
  return out;
}
