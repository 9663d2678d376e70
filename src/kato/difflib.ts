/**
 * A port of CPython 3.11's `difflib.SequenceMatcher` (Ratcliff/Obershelp) with
 * `isjunk=None`, generic over the element type.
 *
 * KATO aligns a pattern with the state through these matching blocks, so the
 * tie-breaking of `find_longest_match` (longest block, then smallest `i`, then
 * smallest `j`) and the merging of adjacent blocks must be exactly CPython's.
 * Elements compare with `===`: use strings for tokens and code points (numbers)
 * for characters, never UTF-16 code units.
 *
 * @module
 */

/** A matching block: `a[a : a+size]` equals `b[b : b+size]`. */
export interface Match {
  /** Start in the first sequence. */
  a: number;
  /** Start in the second sequence. */
  b: number;
  /** Length of the block (never 0 in returned blocks). */
  size: number;
}

/** An opcode tag of `get_opcodes()`. */
export type OpcodeTag = "replace" | "delete" | "insert" | "equal";

/** `[tag, i1, i2, j1, j2]`: how to turn `a[i1:i2]` into `b[j1:j2]`. */
export type Opcode = [
  tag: OpcodeTag,
  i1: number,
  i2: number,
  j1: number,
  j2: number,
];

/** Options of {@linkcode SequenceMatcher}. */
export interface SequenceMatcherOptions {
  /**
   * CPython's "automatic junk heuristic": when `b` has at least 200 elements,
   * elements occurring more than `1 + len(b)//100` times cannot start a match.
   * Default `true`, as in CPython. KATO's alignment needs `false`.
   */
  autojunk?: boolean;
}

/** CPython's `_calculate_ratio`: `2·matches/length`, or 1 for two empty sequences. */
function calculateRatio(matches: number, length: number): number {
  return length ? 2.0 * matches / length : 1.0;
}

const NOTHING: readonly number[] = [];

/**
 * CPython's `difflib.SequenceMatcher(None, a, b, autojunk)`.
 *
 * @example The counterexample to "LCS equals the difflib ratio"
 * ```ts
 * import { deepStrictEqual, strictEqual } from "node:assert";
 * import { SequenceMatcher } from "./difflib.ts";
 * const sm = new SequenceMatcher(["b", "c", "b"], ["c", "a", "b"], { autojunk: false });
 * deepStrictEqual(sm.getMatchingBlocks(), [{ a: 0, b: 2, size: 1 }]);
 * strictEqual(sm.ratio(), 1 / 3);
 * ```
 */
export class SequenceMatcher<T> {
  #a: ArrayLike<T> = [];
  #b: readonly T[] = [];
  readonly #autojunk: boolean;
  #b2j = new Map<T, number[]>();
  /** `b2j.get(a[i])` for every i, looked up once per `a` instead of once per `findLongestMatch` call. */
  #aIndex: (readonly number[])[] = [];
  /** Scratch rows of findLongestMatch, all zero between calls. */
  #rows: [Int32Array, Int32Array] = [new Int32Array(1), new Int32Array(1)];
  #fullbcount: Map<T, number> | undefined;
  #blocks: Match[] | undefined;
  #opcodes: Opcode[] | undefined;

  /** Compares `a` with `b`; `b` is indexed once, so reuse it with {@linkcode setSeq1}. */
  constructor(
    a: ArrayLike<T> = [],
    b: readonly T[] = [],
    options: SequenceMatcherOptions = {},
  ) {
    this.#autojunk = options.autojunk ?? true;
    this.setSeqs(a, b);
  }

  /** Sets both sequences. */
  setSeqs(a: ArrayLike<T>, b: readonly T[]): void {
    this.setSeq1(a);
    this.setSeq2(b);
  }

  /** Sets the first sequence (an array, or a typed array of ids); the index of the second is kept. */
  setSeq1(a: ArrayLike<T>): void {
    if (a === this.#a) return;
    this.#a = a;
    this.#blocks = this.#opcodes = undefined;
    this.#indexA();
  }

  #indexA(): void {
    const a = this.#a, b2j = this.#b2j;
    const index: (readonly number[])[] = new Array(a.length);
    for (let i = 0; i < a.length; i++) index[i] = b2j.get(a[i]!) ?? NOTHING;
    this.#aIndex = index;
  }

  /** Sets the second sequence and rebuilds its index. */
  setSeq2(b: readonly T[]): void {
    if (b === this.#b) return;
    this.#b = b;
    this.#blocks = this.#opcodes = undefined;
    this.#fullbcount = undefined;
    const b2j = new Map<T, number[]>();
    b.forEach((elt, i) => {
      const idxs = b2j.get(elt);
      if (idxs) idxs.push(i);
      else b2j.set(elt, [i]);
    });
    const n = b.length;
    if (this.#autojunk && n >= 200) {
      const ntest = Math.floor(n / 100) + 1;
      for (const [elt, idxs] of b2j) {
        if (idxs.length > ntest) b2j.delete(elt);
      }
    }
    this.#b2j = b2j;
    this.#rows = [new Int32Array(n + 1), new Int32Array(n + 1)];
    this.#indexA();
  }

  /**
   * Longest matching block in `a[alo:ahi]` and `b[blo:bhi]`; of several, the
   * one starting earliest in `a`, then earliest in `b`. `{alo, blo, 0}` if none.
   */
  findLongestMatch(
    alo = 0,
    ahi: number = this.#a.length,
    blo = 0,
    bhi: number = this.#b.length,
  ): Match {
    const a = this.#a, b = this.#b, aIndex = this.#aIndex;
    let besti = alo, bestj = blo, bestsize = 0;
    // j2len[j+1] = length of the match ending at a[i-1], b[j]. CPython builds
    // a dict per row; two zeroed rows reused through `touched` are cheaper.
    let j2len = this.#rows[0], newj2len = this.#rows[1];
    let touched: number[] = [];
    let newTouched: number[] = [];
    for (let i = alo; i < ahi; i++) {
      const js = aIndex[i]!;
      if (js.length === 0) {
        // An element absent from b ends every run: the row is empty, both rows are zero after this.
        for (let n = 0; n < touched.length; n++) j2len[touched[n]!] = 0;
        touched.length = 0;
        continue;
      }
      for (let n = 0; n < js.length; n++) {
        const j = js[n]!;
        if (j < blo) continue;
        if (j >= bhi) break;
        const k = j2len[j]! + 1;
        newj2len[j + 1] = k;
        newTouched.push(j + 1);
        if (k > bestsize) {
          besti = i - k + 1;
          bestj = j - k + 1;
          bestsize = k;
        }
      }
      for (let n = 0; n < touched.length; n++) j2len[touched[n]!] = 0;
      const rows = j2len;
      j2len = newj2len;
      newj2len = rows;
      const list = touched;
      touched = newTouched;
      newTouched = list;
      newTouched.length = 0;
    }
    for (let n = 0; n < touched.length; n++) j2len[touched[n]!] = 0;
    // Popular elements never start a match but may extend one. (The two junk
    // extension loops of CPython are no-ops without isjunk.)
    while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
      besti--;
      bestj--;
      bestsize++;
    }
    while (
      besti + bestsize < ahi && bestj + bestsize < bhi &&
      a[besti + bestsize] === b[bestj + bestsize]
    ) {
      bestsize++;
    }
    return { a: besti, b: bestj, size: bestsize };
  }

  /**
   * Matching blocks, ascending, adjacent blocks merged. Unlike CPython, the
   * `(len(a), len(b), 0)` terminator is not included.
   */
  getMatchingBlocks(): Match[] {
    return this.#matchingBlocks().map((m) => ({ ...m }));
  }

  /** The same blocks without the copy: read them, never change them (they are cached). */
  matchingBlocks(): readonly Readonly<Match>[] {
    return this.#matchingBlocks();
  }

  #matchingBlocks(): Match[] {
    if (this.#blocks) return this.#blocks;
    const queue: [number, number, number, number][] = [[
      0,
      this.#a.length,
      0,
      this.#b.length,
    ]];
    const found: Match[] = [];
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop()!;
      const x = this.findLongestMatch(alo, ahi, blo, bhi);
      const { a: i, b: j, size: k } = x;
      if (k) {
        found.push(x);
        if (alo < i && blo < j) queue.push([alo, i, blo, j]);
        if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
      }
    }
    found.sort((x, y) => x.a - y.a || x.b - y.b || x.size - y.size);
    const merged: Match[] = [];
    let i1 = 0, j1 = 0, k1 = 0;
    for (const { a: i2, b: j2, size: k2 } of found) {
      if (i1 + k1 === i2 && j1 + k1 === j2) {
        k1 += k2;
      } else {
        if (k1) merged.push({ a: i1, b: j1, size: k1 });
        i1 = i2;
        j1 = j2;
        k1 = k2;
      }
    }
    if (k1) merged.push({ a: i1, b: j1, size: k1 });
    this.#blocks = merged;
    return merged;
  }

  /** CPython's `get_opcodes()`: how to turn `a` into `b`. */
  getOpcodes(): Opcode[] {
    if (this.#opcodes) return this.#opcodes.map((op) => [...op]);
    let i = 0, j = 0;
    const answer: Opcode[] = [];
    const terminator = { a: this.#a.length, b: this.#b.length, size: 0 };
    for (
      const { a: ai, b: bj, size } of [...this.#matchingBlocks(), terminator]
    ) {
      const tag: OpcodeTag | "" = i < ai && j < bj ? "replace" : i < ai ? "delete" : j < bj ? "insert" : "";
      if (tag) answer.push([tag, i, ai, j, bj]);
      i = ai + size;
      j = bj + size;
      if (size) answer.push(["equal", ai, i, bj, j]);
    }
    this.#opcodes = answer;
    return answer.map((op) => [...op]);
  }

  /** `2·M/(len(a)+len(b))` with M the total size of the matching blocks. */
  ratio(): number {
    let matches = 0;
    for (const block of this.#matchingBlocks()) matches += block.size;
    return calculateRatio(matches, this.#a.length + this.#b.length);
  }

  /** An upper bound of {@linkcode ratio}: `a` and `b` compared as multisets. */
  quickRatio(): number {
    if (!this.#fullbcount) {
      const full = new Map<T, number>();
      for (const elt of this.#b) full.set(elt, (full.get(elt) ?? 0) + 1);
      this.#fullbcount = full;
    }
    const full = this.#fullbcount;
    const avail = new Map<T, number>();
    let matches = 0;
    for (let i = 0; i < this.#a.length; i++) {
      const elt = this.#a[i]!;
      const numb = avail.has(elt) ? avail.get(elt)! : full.get(elt) ?? 0;
      avail.set(elt, numb - 1);
      if (numb > 0) matches++;
    }
    return calculateRatio(matches, this.#a.length + this.#b.length);
  }

  /** A cheaper upper bound of {@linkcode ratio}, from the lengths alone. */
  realQuickRatio(): number {
    const la = this.#a.length, lb = this.#b.length;
    return calculateRatio(Math.min(la, lb), la + lb);
  }
}

/**
 * A string as its code points, the way Python indexes a `str`.
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { codePoints } from "./difflib.ts";
 * deepStrictEqual(codePoints("a\u{1f600}"), [0x61, 0x1f600]);
 * ```
 */
export function codePoints(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(ch.codePointAt(0)!);
  return out;
}
