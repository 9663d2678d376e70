/**
 * `NativeIndex`: a `PatternIndex` answered by libmatcher (its CUDA or its CPU backend).
 *
 * @module
 */

import type { EncodedPattern, MatchCandidate, PatternIndex } from "../matcher.ts";
import {
  MATCHER_BACKEND_CPU,
  MATCHER_BACKEND_CUDA,
  MATCHER_FAULT_ADD,
  MATCHER_FAULT_NONE,
  MATCHER_FAULT_QUERY,
  MATCHER_STATS_SIZE,
} from "./_ffi.ts";
import { loadMatcher, matcherError, type MatcherLibrary, MatcherStatus } from "./library.ts";

/** Which libmatcher backend an index runs on. */
export type NativeBackend = "cpu" | "cuda";

/** `matcher_stats_t`, read. */
export interface NativeIndexStats {
  /** Patterns held. */
  patterns: number;
  /** Symbols held (sum of pattern lengths). */
  symbols: number;
  /** Device memory held by the index, in bytes (0 on the CPU backend). */
  deviceBytes: number;
  /** Host memory held by the index, in bytes (approximate). */
  hostBytes: number;
  /** The backend. */
  backend: NativeBackend;
  /** CUDA device ordinal, -1 on the CPU backend. */
  device: number;
  /** Bits per stored symbol on the device (16 while every symbol < 65536, else 32). */
  symbolBits: number;
  /** Worker threads of the CPU backend, 0 on CUDA. */
  threads: number;
  /** Duration of the last query in ms: CUDA events on the device, wall clock on the CPU. */
  lastQueryMs: number;
  /** E.g. `"NVIDIA H100 80GB HBM3"` or `"cpu (16 threads)"`. */
  deviceName: string;
}

/** One call's answer at a fixed capacity: the best `capacity` candidates per state and the totals. */
export interface TopCandidates {
  /** Per state, at most `capacity` candidates ordered by (similarity desc, id asc). */
  candidates: MatchCandidate[][];
  /** Per state, how many candidates passed the threshold (may exceed `capacity`). */
  totals: number[];
}

const FAULTS = { none: MATCHER_FAULT_NONE, query: MATCHER_FAULT_QUERY, add: MATCHER_FAULT_ADD } as const;
const INITIAL_CAPACITY = 1024;
/** Most states coalesced into one call (the library splits them into passes of up to 16). */
const MAX_COALESCED = 64;

interface WaitingQuery {
  state: Int32Array;
  threshold: number;
  resolve: (candidates: MatchCandidate[]) => void;
  reject: (error: unknown) => void;
}
const MAX_CAPACITY_HINT = 1 << 16;

const registry = new FinalizationRegistry<{ lib: MatcherLibrary; handle: Deno.PointerValue }>((held) => {
  held.lib.symbols.matcher_index_destroy(held.handle);
});

function concat(states: readonly Int32Array[]): { lengths: Int32Array; symbols: Int32Array } {
  const lengths = new Int32Array(states.length);
  let total = 0;
  states.forEach((state, i) => {
    lengths[i] = state.length;
    total += state.length;
  });
  const symbols = new Int32Array(total);
  let at = 0;
  for (const state of states) {
    symbols.set(state, at);
    at += state.length;
  }
  return { lengths, symbols };
}

/**
 * A pattern index held by libmatcher. Queries run on a worker thread (`nonblocking` FFI), so the
 * event loop keeps serving while the GPU works; `add`, `clear` and `stats` are synchronous.
 *
 * @example Two patterns, one state
 * ```ts
 * import { NativeIndex } from "./native_index.ts";
 * using index = NativeIndex.open("cpu");
 * index.add([
 *   { id: 0, symbols: Int32Array.of(1, 2, 3) },
 *   { id: 1, symbols: Int32Array.of(7, 8) },
 * ]);
 * const candidates = await index.query(Int32Array.of(1, 2, 3), 0.5);
 * console.assert(candidates.length === 1 && candidates[0]!.id === 0 && candidates[0]!.similarity === 1);
 * ```
 */
export class NativeIndex implements PatternIndex {
  #lib: MatcherLibrary;
  #handle: Deno.PointerValue;
  #backend: NativeBackend;
  #size = 0;
  #pending = 0;
  #closed = false;
  #capacityHint = INITIAL_CAPACITY;
  /** Buffers handed to in-flight nonblocking calls: referenced here until each call settles. */
  #inFlight = new Set<readonly ArrayBufferView[]>();
  /** Queries that arrived while a call ran: the next batch. */
  #waiting: WaitingQuery[] = [];
  #draining = false;
  #calls = 0;

  private constructor(lib: MatcherLibrary, handle: Deno.PointerValue, backend: NativeBackend) {
    this.#lib = lib;
    this.#handle = handle;
    this.#backend = backend;
    registry.register(this, { lib, handle }, this);
  }

  /**
   * Creates an empty index on a backend (`device` is the CUDA ordinal). Throws the load error when
   * libmatcher cannot be loaded, and a `MatcherError` when the backend cannot start (for CUDA:
   * `MATCHER_UNSUPPORTED` in a CPU-only build, `MATCHER_NO_DEVICE` without a device).
   */
  static open(backend: NativeBackend = "cpu", device = 0): NativeIndex {
    if (backend !== "cpu" && backend !== "cuda") throw new TypeError(`Unknown backend: ${backend}`);
    const lib = loadMatcher();
    const out = new BigUint64Array(1);
    const code = lib.symbols.matcher_index_create(
      backend === "cuda" ? MATCHER_BACKEND_CUDA : MATCHER_BACKEND_CPU,
      device,
      out,
    );
    if (code !== MatcherStatus.OK) {
      throw matcherError(lib, "Cannot create index", code, threadMessage(lib));
    }
    return new NativeIndex(lib, Deno.UnsafePointer.create(out[0]!), backend);
  }

  /** `"cpu"` or `"cuda"`. */
  get backend(): NativeBackend {
    return this.#backend;
  }

  /** Patterns held. */
  get size(): number {
    return this.#size;
  }

  /** Query calls made into the library so far (coalesced queries share one). */
  get calls(): number {
    return this.#calls;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends patterns (ids new and >= 0, symbols > 0); all or nothing. */
  add(patterns: readonly EncodedPattern[]): void {
    const ids = new Int32Array(patterns.length);
    patterns.forEach((p, i) => ids[i] = p.id);
    const { lengths, symbols } = concat(patterns.map((p) => p.symbols));
    this.addEncoded(ids, lengths, symbols);
  }

  /** Appends patterns given as columns: `symbols` holds them concatenated (bulk loads, benchmarks). */
  addEncoded(ids: Int32Array, lengths: Int32Array, symbols: Int32Array): void {
    const handle = this.#live("Cannot add patterns");
    if (ids.length !== lengths.length) {
      throw new RangeError(`Cannot add patterns: ${ids.length} ids but ${lengths.length} lengths`);
    }
    let total = 0;
    for (const length of lengths) total += length;
    if (total !== symbols.length) {
      throw new RangeError(`Cannot add patterns: lengths sum to ${total} but ${symbols.length} symbols given`);
    }
    const code = this.#lib.symbols.matcher_index_add(handle, ids.length, ids, lengths, symbols);
    this.#check("Cannot add patterns", code);
    this.#size += ids.length;
  }

  /** {@linkcode PatternIndex.addColumns}: `addEncoded`. */
  addColumns(ids: Int32Array, lengths: Int32Array, symbols: Int32Array): void {
    this.addEncoded(ids, lengths, symbols);
  }

  /** Reserves room for this many more patterns and symbols (optional; avoids regrowth in bulk loads). */
  reserve(patterns: number, symbols: number): void {
    const handle = this.#live("Cannot reserve");
    this.#check("Cannot reserve", this.#lib.symbols.matcher_index_reserve(handle, BigInt(patterns), BigInt(symbols)));
  }

  /** Removes every pattern. */
  clear(): void {
    const handle = this.#live("Cannot clear index");
    this.#check("Cannot clear index", this.#lib.symbols.matcher_index_clear(handle));
    this.#size = 0;
  }

  /**
   * Every candidate with `similarity >= threshold`, ordered by (similarity desc, id asc).
   *
   * Concurrent queries are coalesced: while one device call runs, the queries that arrive wait and then
   * go together as one batch (one pass over the patterns for up to 16 states on the GPU). A lone query
   * goes at once, so one client sees no added latency; under load a pass serves many requests.
   */
  query(state: Int32Array, threshold: number): Promise<MatchCandidate[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ state, threshold, resolve, reject });
      if (!this.#draining) this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#waiting.length > 0) {
        // One call takes one threshold: the oldest waiting query's, and every other waiting query with it.
        // Object.is, not ===: a NaN threshold must still leave the queue (the library rejects it).
        const [oldest, ...others] = this.#waiting;
        const threshold = oldest!.threshold;
        const batch: WaitingQuery[] = [oldest!];
        const rest: WaitingQuery[] = [];
        for (const query of others) {
          (Object.is(query.threshold, threshold) && batch.length < MAX_COALESCED ? batch : rest).push(query);
        }
        this.#waiting = rest;
        try {
          const answers = await this.queryBatch(batch.map((query) => query.state), threshold);
          batch.forEach((query, i) => query.resolve(answers[i]!));
        } catch (error) {
          for (const query of batch) query.reject(error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Every candidate of each state, in one pass over the patterns where the library can (several
   * states per pass on the GPU). The answer for each state equals `query(state, threshold)`.
   */
  async queryBatch(states: readonly Int32Array[], threshold: number): Promise<MatchCandidate[][]> {
    if (states.length === 0) return [];
    const first = await this.queryTop(states, threshold, this.#capacityHint);
    const overflow = first.totals.flatMap((total, s) => total > this.#capacityHint ? [s] : []);
    if (overflow.length > 0) {
      const most = Math.max(...overflow.map((s) => first.totals[s]!));
      this.#capacityHint = Math.min(MAX_CAPACITY_HINT, Math.max(this.#capacityHint, 2 ** Math.ceil(Math.log2(most))));
      const again = await this.queryTop(overflow.map((s) => states[s]!), threshold, most);
      overflow.forEach((s, k) => first.candidates[s] = again.candidates[k]!);
    }
    return first.candidates;
  }

  /** One call at a fixed capacity: per state the best `capacity` candidates, and the totals. */
  async queryTop(states: readonly Int32Array[], threshold: number, capacity: number): Promise<TopCandidates> {
    const handle = this.#live("Cannot query index");
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`Cannot query index: capacity must be a non-negative integer, got ${capacity}`);
    }
    const n = states.length;
    const { lengths, symbols } = concat(states);
    const ids = new Int32Array(n * capacity);
    const lcs = new Int32Array(n * capacity);
    const sims = new Float64Array(n * capacity);
    const totals = new BigInt64Array(n);
    const buffers = [lengths, symbols, ids, lcs, sims, totals] as const;
    this.#inFlight.add(buffers);
    this.#pending++;
    this.#calls++;
    let code: number;
    let detail = "";
    try {
      code = await this.#lib.symbols.matcher_index_query(
        handle,
        n,
        lengths,
        symbols,
        threshold,
        capacity,
        ids,
        lcs,
        sims,
        totals,
      );
      if (code !== MatcherStatus.OK) detail = this.#indexMessage(handle);
    } finally {
      this.#inFlight.delete(buffers);
      this.#pending--;
      if (this.#closed && this.#pending === 0) this.#destroy();
    }
    if (code !== MatcherStatus.OK) throw matcherError(this.#lib, "Cannot query index", code, detail);
    const candidates: MatchCandidate[][] = [];
    const counts: number[] = [];
    for (let s = 0; s < n; s++) {
      const total = Number(totals[s]);
      const row: MatchCandidate[] = [];
      const k = Math.min(total, capacity);
      for (let i = s * capacity; i < s * capacity + k; i++) {
        row.push({ id: ids[i]!, lcs: lcs[i]!, similarity: sims[i]! });
      }
      candidates.push(row);
      counts.push(total);
    }
    return { candidates, totals: counts };
  }

  /** The library's counters for this index. */
  stats(): NativeIndexStats {
    const handle = this.#live("Cannot read stats");
    const buf = new Uint8Array(MATCHER_STATS_SIZE);
    this.#check("Cannot read stats", this.#lib.symbols.matcher_index_stats(handle, buf));
    const view = new DataView(buf.buffer);
    const nameBytes = buf.subarray(56);
    const end = nameBytes.indexOf(0);
    return {
      patterns: Number(view.getBigInt64(0, true)),
      symbols: Number(view.getBigInt64(8, true)),
      deviceBytes: Number(view.getBigInt64(16, true)),
      hostBytes: Number(view.getBigInt64(24, true)),
      backend: view.getInt32(32, true) === MATCHER_BACKEND_CUDA ? "cuda" : "cpu",
      device: view.getInt32(36, true),
      symbolBits: view.getInt32(40, true),
      threads: view.getInt32(44, true),
      lastQueryMs: view.getFloat64(48, true),
      deviceName: new TextDecoder().decode(nameBytes.subarray(0, end < 0 ? nameBytes.length : end)),
    };
  }

  /**
   * Test hook: the next `query` (or `add`) fails with `MatcherError` code `CUDA_ERROR`, once,
   * leaving the data intact; `"none"` clears a pending fault.
   */
  injectFault(kind: keyof typeof FAULTS): void {
    const handle = this.#live("Cannot inject fault");
    this.#check("Cannot inject fault", this.#lib.symbols.matcher_debug_inject_fault(handle, FAULTS[kind]));
  }

  /** Releases the index; idempotent. A query in flight finishes first, then the memory is freed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    registry.unregister(this);
    if (this.#pending === 0) this.#destroy();
  }

  /** Same as `close()`. */
  [Symbol.dispose](): void {
    this.close();
  }

  #destroy(): void {
    this.#lib.symbols.matcher_index_destroy(this.#handle);
    this.#handle = null;
  }

  #live(action: string): Deno.PointerValue {
    if (this.#closed) throw new Deno.errors.BadResource(`${action}: the index is closed`);
    return this.#handle;
  }

  #indexMessage(handle: Deno.PointerValue): string {
    const buf = new Uint8Array(1024);
    if (this.#lib.symbols.matcher_index_last_error(handle, buf, buf.length) !== MatcherStatus.OK) return "";
    const end = buf.indexOf(0);
    return new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.length : end));
  }

  #check(action: string, code: number): void {
    if (code !== MatcherStatus.OK) throw matcherError(this.#lib, action, code, this.#indexMessage(this.#handle));
  }
}

function threadMessage(lib: MatcherLibrary): string {
  const pointer = lib.symbols.matcher_last_error();
  return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
}
