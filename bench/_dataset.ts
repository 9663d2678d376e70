/**
 * Seeded synthetic KATO datasets, addressable by pattern number: pattern `k` is a pure function of the
 * spec and `k`, so a 10M-pattern dataset is generated, written and queried without ever sitting in
 * memory, and a run on another machine rebuilds exactly the same patterns and states.
 *
 * Symbols are `s<rank>` drawn Zipf-like (s = 1) over the vocabulary; a pattern's length is uniform in
 * [minLength, maxLength]; its symbols are cut into events of `eventSize` and each event is sorted, as
 * KATO sorts an observed event. Query states are made the same way, so a state observed event by event
 * over HTTP flattens to exactly the symbols the engine benchmarks query with.
 *
 * @module
 */

import { patternName } from "../src/kato/hash.ts";
import type { Event } from "../src/kato/types.ts";

/** What a dataset is made of. */
export interface DatasetSpec {
  patterns: number;
  minLength: number;
  maxLength: number;
  vocabulary: number;
  /** Symbols per event. */
  eventSize: number;
  seed: number;
}

/** The issue-6 workload: lengths 10..90 (average 50), Zipf over 50,000 symbols, events of 5. */
export const DEFAULT_DATASET: Omit<DatasetSpec, "patterns"> = {
  minLength: 10,
  maxLength: 90,
  vocabulary: 50_000,
  eventSize: 5,
  seed: 11,
};

const ZIPF_BITS = 20;

/** xorshift32 seeded through a splitmix-style mix, so nearby seeds give unrelated streams. Returns uint32. */
export function xorshift(seed: number): () => number {
  let x = Math.imul(seed ^ (seed >>> 16), 0x45D9F3B);
  x = Math.imul(x ^ (x >>> 16), 0x45D9F3B);
  x = (x ^ (x >>> 16)) | 0 || 0x9E3779B9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Inverse-CDF table of Zipf (s = 1) over ranks 1..vocabulary: 2^20 slots, one lookup per draw. */
export function zipfTable(vocabulary: number): Int32Array {
  const table = new Int32Array(1 << ZIPF_BITS);
  let total = 0;
  for (let r = 1; r <= vocabulary; r++) total += 1 / r;
  let rank = 1;
  let cumulative = 1 / total;
  for (let i = 0; i < table.length; i++) {
    const u = (i + 0.5) / table.length;
    while (cumulative < u && rank < vocabulary) cumulative += 1 / (++rank * total);
    table[i] = rank;
  }
  return table;
}

/** A dataset: patterns and query states by number. */
export class Dataset {
  readonly spec: DatasetSpec;
  readonly #zipf: Int32Array;
  /** `s<rank>` by rank, built once: string building dominated generation otherwise. */
  readonly #strings: string[];
  /** Position of `s<rank>` in string order: events sort by these integers instead of by strings. */
  readonly #order: Int32Array;

  constructor(spec: DatasetSpec) {
    this.spec = spec;
    this.#zipf = zipfTable(spec.vocabulary);
    this.#strings = Array.from({ length: spec.vocabulary + 1 }, (_, rank) => `s${rank}`);
    // Code-unit order of ASCII strings, which is Python's code-point order (KATO sorts with sorted()).
    const byString = Array.from({ length: spec.vocabulary + 1 }, (_, rank) => rank)
      .sort((a, b) => this.#strings[a]! < this.#strings[b]! ? -1 : 1);
    this.#order = new Int32Array(spec.vocabulary + 1);
    byString.forEach((rank, position) => this.#order[rank] = position);
  }

  /** The symbol string of a rank. */
  symbolOf(rank: number): string {
    return this.#strings[rank]!;
  }

  /** A Zipf-distributed symbol rank drawn from `random`. */
  draw(random: () => number): number {
    return this.#zipf[random() >>> (32 - ZIPF_BITS)]!;
  }

  /** Length of pattern `k`: its stream's first draw, so it costs no symbol generation. */
  lengthOf(k: number): number {
    return this.#lengthFrom(this.#stream(k));
  }

  /** Symbol ranks of pattern `k` (0-based) as KATO stores them: event by event, each event sorted. */
  symbols(k: number): Int32Array {
    const out = new Int32Array(this.lengthOf(k));
    this.#fill(k, out, 0);
    return out;
  }

  /** Pattern `k` as KATO events. */
  events(k: number): Event[] {
    return this.eventsOf(this.symbols(k));
  }

  /** Ranks in KATO order (as `symbols()` and `stateSymbols()` give them) cut into events of strings. */
  eventsOf(symbols: Int32Array): Event[] {
    const events: Event[] = [];
    for (let at = 0; at < symbols.length; at += this.spec.eventSize) {
      events.push(Array.from(symbols.subarray(at, at + this.spec.eventSize), (rank) => this.#strings[rank]!));
    }
    return events;
  }

  /** KATO's name of pattern `k`. */
  name(k: number): string {
    return patternName(this.events(k));
  }

  /**
   * Symbol ranks of query state `q`, `length` symbols in KATO order: a stored pattern's symbols, 70 %
   * kept in place and the rest redrawn (so a state has real near-matches, as a client's would), then cut
   * into events of `eventSize`, each sorted. Ranks are the store's symbol ids once the vocabulary is
   * seeded in rank order, as `_seed_store.ts` does.
   */
  stateSymbols(q: number, length: number): Int32Array {
    const random = xorshift(Math.imul(this.spec.seed ^ 0x5BD1E995, 31337) ^ q);
    const source = this.symbols(random() % this.spec.patterns);
    const out = new Int32Array(length);
    for (let j = 0; j < length; j++) {
      const keep = j < source.length && random() % 10 < 7;
      out[j] = keep ? source[j]! : this.draw(random);
    }
    this.#sortEvents(out, 0, length);
    return out;
  }

  /** Query state `q` as the events a client observes. */
  stateEvents(q: number, length: number): Event[] {
    return this.eventsOf(this.stateSymbols(q, length));
  }

  /** Patterns `start .. start + count - 1` as columns: lengths and concatenated symbol ranks. */
  columns(start: number, count: number): { lengths: Int32Array; symbols: Int32Array } {
    const lengths = Int32Array.from({ length: count }, (_, i) => this.lengthOf(start + i));
    const symbols = new Int32Array(lengths.reduce((sum, length) => sum + length, 0));
    let at = 0;
    for (let i = 0; i < count; i++) at += this.#fill(start + i, symbols, at);
    return { lengths, symbols };
  }

  /** Writes pattern `k`'s symbols into `out` at `at`, in KATO order; returns its length. */
  #fill(k: number, out: Int32Array, at: number): number {
    const random = this.#stream(k);
    const length = this.#lengthFrom(random);
    for (let j = 0; j < length; j++) out[at + j] = this.draw(random);
    this.#sortEvents(out, at, length);
    return length;
  }

  /** Sorts each event (`eventSize` symbols) of `out[at .. at + length)` by string, in place. */
  #sortEvents(out: Int32Array, at: number, length: number): void {
    const order = this.#order;
    for (let start = at; start < at + length; start += this.spec.eventSize) {
      const end = Math.min(start + this.spec.eventSize, at + length);
      for (let i = start + 1; i < end; i++) {
        const rank = out[i]!;
        let j = i;
        while (j > start && order[out[j - 1]!]! > order[rank]!) {
          out[j] = out[j - 1]!;
          j--;
        }
        out[j] = rank;
      }
    }
  }

  #stream(k: number): () => number {
    return xorshift(Math.imul(this.spec.seed, 0x9E3779B1) ^ k);
  }

  #lengthFrom(random: () => number): number {
    return this.spec.minLength + (random() % (this.spec.maxLength - this.spec.minLength + 1));
  }
}
