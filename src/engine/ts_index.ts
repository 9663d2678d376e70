/**
 * The TypeScript pattern index: Hyyrö's bit-parallel LCS on 32-bit words.
 *
 * Patterns are bucketed by length so that lengths which cannot reach the threshold are skipped whole.
 * The state's distinct symbols get match masks of ⌈m/32⌉ words; a slot table indexed by symbol id finds
 * a symbol's mask without hashing. Exact for any state length.
 *
 * @module
 */

import {
  compareCandidates,
  type EncodedPattern,
  type MatchCandidate,
  type PatternIndex,
  similarity,
} from "./matcher.ts";

interface LengthBucket {
  length: number;
  count: number;
  ids: Int32Array;
  /** `count * length` symbol ids, pattern after pattern. */
  symbols: Int32Array;
}

/** A pattern index computed in TypeScript; the CPU tier, and the whole engine without libmatcher. */
export class TsIndex implements PatternIndex {
  readonly backend = "ts";
  #buckets = new Map<number, LengthBucket>();
  #size = 0;
  /** symbol id → mask slot (1-based) for the current query; all zero between queries. */
  #slots = new Int32Array(1024);

  /** Number of patterns held. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends patterns.
   *
   * @example Add and query
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert";
   * import { TsIndex } from "./ts_index.ts";
   * const index = new TsIndex();
   * index.add([{ id: 0, symbols: Int32Array.of(1, 2, 3) }]);
   * assertEquals(index.query(Int32Array.of(1, 2), 0.5), [{ id: 0, lcs: 2, similarity: 0.8 }]);
   * ```
   */
  add(patterns: readonly EncodedPattern[]): void {
    for (const pattern of patterns) {
      const n = pattern.symbols.length;
      let bucket = this.#buckets.get(n);
      if (bucket === undefined) {
        bucket = { length: n, count: 0, ids: new Int32Array(16), symbols: new Int32Array(16 * n) };
        this.#buckets.set(n, bucket);
      }
      if (bucket.count === bucket.ids.length) grow(bucket);
      bucket.ids[bucket.count] = pattern.id;
      bucket.symbols.set(pattern.symbols, bucket.count * n);
      bucket.count++;
      for (const id of pattern.symbols) {
        if (id >= this.#slots.length) this.#slots = resized(this.#slots, id + 1);
      }
    }
    this.#size += patterns.length;
  }

  /** Removes every pattern. */
  clear(): void {
    this.#buckets.clear();
    this.#size = 0;
  }

  /** Every pattern with `similarity >= threshold`, by similarity desc then id asc. */
  query(state: Int32Array, threshold: number): MatchCandidate[] {
    const m = state.length;
    const words = Math.max(1, Math.ceil(m / 32));
    const masks = this.#buildMasks(state, words);
    const out: MatchCandidate[] = [];
    try {
      for (const bucket of this.#buckets.values()) {
        const n = bucket.length;
        // Similarity only grows with the LCS, so the best case decides whether a length can qualify.
        if (similarity(Math.min(n, m), n, m) < threshold) continue;
        this.#scanBucket(bucket, m, words, masks, threshold, out);
      }
    } finally {
      for (const id of state) if (id > 0 && id < this.#slots.length) this.#slots[id] = 0;
    }
    return out.sort(compareCandidates);
  }

  /** Nothing to release; present for the interface. */
  close(): void {
    this.clear();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Fills the slot table and returns the masks, slot k at `k * words` (slot 0 unused). */
  #buildMasks(state: Int32Array, words: number): Uint32Array {
    let slotCount = 0;
    for (const id of state) {
      if (id > 0 && id < this.#slots.length && this.#slots[id] === 0) this.#slots[id] = ++slotCount;
    }
    const masks = new Uint32Array((slotCount + 1) * words);
    state.forEach((id, position) => {
      if (id <= 0 || id >= this.#slots.length) return;
      const slot = this.#slots[id]!;
      masks[slot * words + (position >>> 5)]! |= 1 << (position & 31);
    });
    return masks;
  }

  #scanBucket(
    bucket: LengthBucket,
    m: number,
    words: number,
    masks: Uint32Array,
    threshold: number,
    out: MatchCandidate[],
  ): void {
    const n = bucket.length;
    const slots = this.#slots;
    const symbols = bucket.symbols;
    const v = new Uint32Array(words);
    for (let p = 0; p < bucket.count; p++) {
      const base = p * n;
      let lcs: number;
      if (words === 1) {
        let word = 0xFFFFFFFF;
        for (let j = 0; j < n; j++) {
          const slot = slots[symbols[base + j]!]!;
          if (slot === 0) continue;
          const u = (word & masks[slot]!) >>> 0;
          word = ((word + u) | (word - u)) >>> 0;
        }
        lcs = zeroBits(word, m);
      } else {
        v.fill(0xFFFFFFFF);
        for (let j = 0; j < n; j++) {
          const slot = slots[symbols[base + j]!]!;
          if (slot !== 0) step(v, masks, slot * words);
        }
        lcs = 0;
        for (let w = 0; w < words; w++) lcs += zeroBits(v[w]!, Math.min(32, m - 32 * w));
      }
      const sim = similarity(lcs, n, m);
      if (sim >= threshold) out.push({ id: bucket.ids[p]!, lcs, similarity: sim });
    }
  }
}

/** One multi-word step `U = V & M; V = (V + U) | (V - U)`, carries and borrows rippling upward. */
function step(v: Uint32Array, masks: Uint32Array, offset: number): void {
  let carry = 0;
  let borrow = 0;
  for (let w = 0; w < v.length; w++) {
    const word = v[w]!;
    const u = word & masks[offset + w]!;
    const sum = word + (u >>> 0) + carry;
    const diff = word - (u >>> 0) - borrow;
    carry = sum > 0xFFFFFFFF ? 1 : 0;
    borrow = diff < 0 ? 1 : 0;
    v[w] = (sum | diff) >>> 0;
  }
}

/** Number of zero bits among the low `bits` bits of `word`. */
function zeroBits(word: number, bits: number): number {
  const low = bits >= 32 ? 0xFFFFFFFF : (1 << bits) - 1;
  let x = (~word & low) >>> 0;
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0F0F0F0F) * 0x01010101) >>> 24;
}

function grow(bucket: LengthBucket): void {
  const capacity = bucket.ids.length * 2;
  bucket.ids = resized(bucket.ids, capacity);
  bucket.symbols = resized(bucket.symbols, capacity * bucket.length);
}

function resized(array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(length, array.length * 2));
  out.set(array);
  return out;
}
