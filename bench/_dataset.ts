/**
 * Seeded synthetic KATO datasets, addressable by pattern number: pattern `k` is a pure function of the
 * spec and `k`, so a 10M-pattern dataset is generated, written and queried without ever sitting in
 * memory, and a run on another machine rebuilds exactly the same patterns and states.
 *
 * Symbols are `s<rank>` drawn Zipf-like (s = 1) over the vocabulary; a pattern's length is uniform in
 * [minLength, maxLength]; its symbols are cut into events of `eventSize` and each event is sorted, as
 * KATO sorts an observed event.
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

  constructor(spec: DatasetSpec) {
    this.spec = spec;
    this.#zipf = zipfTable(spec.vocabulary);
    this.#strings = Array.from({ length: spec.vocabulary + 1 }, (_, rank) => `s${rank}`);
  }

  /** The symbol string of a rank. */
  symbolOf(rank: number): string {
    return this.#strings[rank]!;
  }

  /** A Zipf-distributed symbol rank drawn from `random`. */
  draw(random: () => number): number {
    return this.#zipf[random() >>> (32 - ZIPF_BITS)]!;
  }

  /** Symbol ranks of pattern `k` (0-based), in order. */
  symbols(k: number): Int32Array {
    const { minLength, maxLength, seed } = this.spec;
    const random = xorshift(Math.imul(seed, 0x9E3779B1) ^ k);
    const length = minLength + (random() % (maxLength - minLength + 1));
    const out = new Int32Array(length);
    for (let j = 0; j < length; j++) out[j] = this.draw(random);
    return out;
  }

  /** Pattern `k` as KATO events: chunks of `eventSize` symbol strings, each chunk sorted. */
  events(k: number): Event[] {
    return this.eventsOf(this.symbols(k));
  }

  /** Symbol ranks cut into sorted events. */
  eventsOf(symbols: Int32Array): Event[] {
    const events: Event[] = [];
    for (let at = 0; at < symbols.length; at += this.spec.eventSize) {
      const event: string[] = [];
      for (let j = at; j < Math.min(at + this.spec.eventSize, symbols.length); j++) {
        // Insertion sort by code unit: the strings are ASCII, where that is Python's code-point order.
        const symbol = this.#strings[symbols[j]!]!;
        let i = event.length;
        while (i > 0 && event[i - 1]! > symbol) i--;
        event.splice(i, 0, symbol);
      }
      events.push(event);
    }
    return events;
  }

  /** KATO's name of pattern `k`. */
  name(k: number): string {
    return patternName(this.events(k));
  }

  /**
   * Query state `q` of `length` symbols: a stored pattern's symbols, 70 % kept in place and the rest
   * redrawn, so a state has real near-matches as a client's would.
   */
  state(q: number, length: number): string[] {
    const random = xorshift(Math.imul(this.spec.seed ^ 0x5BD1E995, 31337) ^ q);
    const source = this.symbols(random() % this.spec.patterns);
    const out: string[] = [];
    for (let j = 0; j < length; j++) {
      const keep = j < source.length && random() % 10 < 7;
      out.push(this.#strings[keep ? source[j]! : this.draw(random)]!);
    }
    return out;
  }
}
