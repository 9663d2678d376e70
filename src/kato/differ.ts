/**
 * Counting the `+ ` lines of a diff of two token lists.
 *
 * Two diffs exist here. KATO computes the extras count E of the signal-to-noise
 * ratio with the `compare()` of its vendored matcher (`kato/informatics/
 * extractor.py`, imported as `difflib`): Ratcliff/Obershelp without autojunk,
 * replaced ranges dumped plainly. CPython's `difflib.Differ().compare()`
 * differs from it only when the state has 200 or more tokens (its line matcher
 * applies autojunk, and `_fancy_replace` can then resynchronise on identical
 * popular lines). Both are here; KATO parity uses {@linkcode katoComparePlusCount}.
 *
 * @module
 */

import { codePoints, SequenceMatcher } from "./difflib.ts";

/**
 * Number of `+ ` lines of KATO's vendored `SequenceMatcher(a, b).compare()`:
 * the elements of `b` inside `insert` and `replace` opcodes of a matcher
 * without autojunk.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { katoComparePlusCount } from "./differ.ts";
 * strictEqual(katoComparePlusCount(["b"], ["c", "a", "b"]), 2);
 * ```
 */
export function katoComparePlusCount(
  a: readonly string[],
  b: readonly string[],
): number {
  let count = 0;
  const matcher = new SequenceMatcher(a, b, { autojunk: false });
  for (const [tag, , , blo, bhi] of matcher.getOpcodes()) {
    if (tag === "insert" || tag === "replace") count += bhi - blo;
  }
  return count;
}

/**
 * Number of lines starting with `"+ "` that CPython's
 * `difflib.Differ().compare(a, b)` yields, computed without building them.
 *
 * @example One changed line
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { differPlusCount } from "./differ.ts";
 * strictEqual(differPlusCount(["x", "y"], ["x", "z"]), 1);
 * ```
 */
export function differPlusCount(
  a: readonly string[],
  b: readonly string[],
): number {
  const state = new FancyCounter(a, b);
  let count = 0;
  for (
    const [tag, alo, ahi, blo, bhi] of new SequenceMatcher(a, b).getOpcodes()
  ) {
    if (tag === "replace") count += state.fancyReplace(alo, ahi, blo, bhi);
    else if (tag === "insert") count += bhi - blo;
  }
  return count;
}

/** `Differ._fancy_replace` and `_fancy_helper`, counting `+ ` lines only. */
class FancyCounter {
  readonly #a: readonly string[];
  readonly #b: readonly string[];
  readonly #chars = new Map<string, number[]>();
  readonly #cruncher = new SequenceMatcher<number>();

  constructor(a: readonly string[], b: readonly string[]) {
    this.#a = a;
    this.#b = b;
  }

  #codePoints(text: string): number[] {
    let cps = this.#chars.get(text);
    if (!cps) this.#chars.set(text, cps = codePoints(text));
    return cps;
  }

  fancyReplace(alo: number, ahi: number, blo: number, bhi: number): number {
    const a = this.#a, b = this.#b, cruncher = this.#cruncher;
    const cutoff = 0.75;
    let bestRatio = 0.74, bestI = -1, bestJ = -1;
    let eqi = -1, eqj = -1;
    for (let j = blo; j < bhi; j++) {
      cruncher.setSeq2(this.#codePoints(b[j]!));
      for (let i = alo; i < ahi; i++) {
        if (a[i] === b[j]) {
          if (eqi < 0) [eqi, eqj] = [i, j];
          continue;
        }
        cruncher.setSeq1(this.#codePoints(a[i]!));
        if (
          cruncher.realQuickRatio() > bestRatio &&
          cruncher.quickRatio() > bestRatio &&
          cruncher.ratio() > bestRatio
        ) {
          [bestRatio, bestI, bestJ] = [cruncher.ratio(), i, j];
        }
      }
    }
    let identical = false;
    if (bestRatio < cutoff) {
      // No close pair: a plain replace dumps all of b[blo:bhi] as `+ `.
      if (eqi < 0) return bhi - blo;
      [bestI, bestJ, identical] = [eqi, eqj, true];
    }
    // A close pair yields one `+ ` line (in its `- ? + ?` quad); an identical
    // pair yields a `  ` line.
    return this.#helper(alo, bestI, blo, bestJ) + (identical ? 0 : 1) +
      this.#helper(bestI + 1, ahi, bestJ + 1, bhi);
  }

  #helper(alo: number, ahi: number, blo: number, bhi: number): number {
    if (alo < ahi) return blo < bhi ? this.fancyReplace(alo, ahi, blo, bhi) : 0;
    return bhi - blo > 0 ? bhi - blo : 0;
  }
}
