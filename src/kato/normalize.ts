/**
 * Event normalisation: Python's string order and flattening of events.
 *
 * KATO sorts each observation with Python's `list.sort()`, which compares
 * strings by Unicode code point. JavaScript's default sort compares UTF-16
 * code units, which disagrees as soon as an astral character (a surrogate
 * pair) meets a character in U+E000..U+FFFF, so we compare code points.
 *
 * @module
 */

import type { Event } from "./types.ts";

/**
 * Compares two strings by Unicode code point, as Python compares `str`.
 *
 * Lone surrogates count as the code points U+D800..U+DFFF, as they do in a
 * Python string decoded from JSON.
 *
 * @example Astral characters sort after U+E000..U+FFFF
 * ```ts
 * import { ok } from "node:assert";
 * import { compareCodePoints } from "./normalize.ts";
 * ok(compareCodePoints("\uffff", "\u{1f600}") < 0);
 * ok("\uffff" > "\u{1f600}"); // UTF-16 order says the opposite
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  // Equal prefixes have equal code unit boundaries, so one index serves both.
  while (i < n) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/**
 * Sorts symbols as Python's `sorted()` does: by code point, stable, with
 * duplicates kept. Returns a new array.
 *
 * @example Digits sort as text, the empty string first
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { sortSymbols } from "./normalize.ts";
 * deepStrictEqual(sortSymbols(["2", "10", "", "1", "B", "a", "1"]), [
 *   "",
 *   "1",
 *   "1",
 *   "10",
 *   "2",
 *   "B",
 *   "a",
 * ]);
 * ```
 */
export function sortSymbols(strings: readonly string[]): string[] {
  return [...strings].sort(compareCodePoints);
}

/**
 * Concatenates events in order into one symbol list (the state of an STM, or
 * the flattened symbols of a pattern).
 *
 * @example Usage
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { flatten } from "./normalize.ts";
 * deepStrictEqual(flatten([["a", "b"], [], ["c"]]), ["a", "b", "c"]);
 * ```
 */
export function flatten(events: readonly Event[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    for (const symbol of event) out.push(symbol);
  }
  return out;
}
