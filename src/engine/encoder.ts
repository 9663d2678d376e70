/**
 * The symbol encoder: symbol string ↔ dense integer id.
 *
 * Ids start at 1 (0 is the kernels' padding), are assigned in first-seen order, never change and are
 * persisted through the store. Only learning grows the vocabulary: a query encodes unknown symbols as
 * -1, which matches nothing but still counts towards the state's length.
 *
 * @module
 */

/** Id given to a query symbol the vocabulary does not know. */
export const UNKNOWN_SYMBOL = -1;

/** Maps symbols to dense ids and back. */
export class SymbolEncoder {
  #ids = new Map<string, number>();
  #symbols: string[] = [];

  /**
   * Builds an encoder from a persisted vocabulary (id = index + 1).
   *
   * @example Restore and look up
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert";
   * import { SymbolEncoder } from "./encoder.ts";
   * const encoder = new SymbolEncoder(["a", "b"]);
   * assertEquals(encoder.idOf("b"), 2);
   * ```
   */
  constructor(vocabulary: readonly string[] = []) {
    for (const symbol of vocabulary) this.#append(symbol);
  }

  /** Number of known symbols (the largest id). */
  get size(): number {
    return this.#symbols.length;
  }

  /** The id of a known symbol, or undefined. */
  idOf(symbol: string): number | undefined {
    return this.#ids.get(symbol);
  }

  /** The symbol of an id; throws RangeError for an id never assigned. */
  symbolOf(id: number): string {
    const symbol = this.#symbols[id - 1];
    if (symbol === undefined) throw new RangeError(`Cannot decode symbol id: ${id} is not assigned`);
    return symbol;
  }

  /**
   * Symbols among `symbols` that have no id yet, in first-seen order, without assigning them.
   *
   * The caller persists them first and then calls {@linkcode SymbolEncoder.commit}, so the stored
   * vocabulary is never behind the in-memory one.
   *
   * @example Plan, persist, commit
   * ```ts
   * import { deepStrictEqual as assertEquals } from "node:assert";
   * import { SymbolEncoder } from "./encoder.ts";
   * const encoder = new SymbolEncoder(["a"]);
   * const fresh = encoder.unknown(["a", "b", "b", "c"]);
   * assertEquals(fresh, ["b", "c"]);
   * encoder.commit(fresh);
   * assertEquals(encoder.idOf("c"), 3);
   * ```
   */
  unknown(symbols: Iterable<string>): string[] {
    const fresh = new Set<string>();
    for (const symbol of symbols) {
      if (!this.#ids.has(symbol)) fresh.add(symbol);
    }
    return [...fresh];
  }

  /** Assigns the next ids to `symbols`, which must all be new. */
  commit(symbols: readonly string[]): void {
    for (const symbol of symbols) {
      if (this.#ids.has(symbol)) throw new RangeError(`Cannot assign symbol id: '${symbol}' already has one`);
      this.#append(symbol);
    }
  }

  /** Encodes known symbols for storage in an index; throws RangeError on an unknown one. */
  encodeKnown(symbols: readonly string[]): Int32Array {
    const out = new Int32Array(symbols.length);
    symbols.forEach((symbol, k) => {
      const id = this.#ids.get(symbol);
      if (id === undefined) throw new RangeError(`Cannot encode pattern: symbol '${symbol}' has no id`);
      out[k] = id;
    });
    return out;
  }

  /** Encodes a query state; unknown symbols become {@linkcode UNKNOWN_SYMBOL}. */
  encodeQuery(symbols: readonly string[]): Int32Array {
    const out = new Int32Array(symbols.length);
    symbols.forEach((symbol, k) => {
      out[k] = this.#ids.get(symbol) ?? UNKNOWN_SYMBOL;
    });
    return out;
  }

  #append(symbol: string): void {
    this.#symbols.push(symbol);
    this.#ids.set(symbol, this.#symbols.length);
  }
}
