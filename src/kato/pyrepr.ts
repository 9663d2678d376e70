/**
 * CPython's `repr()` of strings and of lists of lists of strings.
 *
 * KATO names a pattern by the SHA-1 of `str(pattern_data)`, so one differing
 * byte of the repr changes every pattern name. This follows CPython's
 * `unicode_repr` character by character; printability comes from a table
 * pinned to CPython's Unicode database (see `_nonprintable.ts`), not from the
 * Unicode version of the JavaScript engine.
 *
 * @module
 */

import { NONPRINTABLE_RANGES } from "./_nonprintable.ts";

/** Range bounds as a flat ascending list: start0, end0, start1, end1, … */
const BOUNDS: Uint32Array = Uint32Array.from(
  NONPRINTABLE_RANGES.trim().split(/\s+/).flatMap((token) => {
    const [start = "", end = start] = token.split("-");
    return [parseInt(start, 16), parseInt(end, 16)];
  }),
);

/**
 * Whether CPython's `str.isprintable()` accepts the code point, i.e. whether
 * `repr()` emits it unescaped.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { isPrintable } from "./pyrepr.ts";
 * strictEqual(isPrintable(0x20), true);
 * strictEqual(isPrintable(0xa0), false); // no-break space (Zs)
 * strictEqual(isPrintable(0x1f600), true);
 * ```
 */
export function isPrintable(codePoint: number): boolean {
  // Binary search for the last range starting at or before the code point.
  let lo = 0;
  let hi = BOUNDS.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (BOUNDS[mid * 2]! <= codePoint) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found < 0 || codePoint > BOUNDS[found * 2 + 1]!;
}

function hex(codePoint: number, width: number): string {
  return codePoint.toString(16).padStart(width, "0");
}

/**
 * Python's `repr()` of a `str`: single quotes unless the text contains `'`
 * and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped; other non-printable
 * characters as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { pyReprString } from "./pyrepr.ts";
 * strictEqual(pyReprString("it's"), `"it's"`);
 * strictEqual(pyReprString(`'"`), `'\\'"'`);
 * strictEqual(pyReprString("a\tb\u00a0"), "'a\\tb\\xa0'");
 * ```
 */
export function pyReprString(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  // for-of walks code points; lone surrogates come through as themselves.
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
    else if (cp < 0x7f || isPrintable(cp)) out += ch;
    else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
    else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + quote;
}

/**
 * Python's `repr()` of a list of lists of `str`, e.g. `[['a', 'b'], ['c']]`.
 *
 * @example Usage
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { pyReprEvents } from "./pyrepr.ts";
 * strictEqual(pyReprEvents([["a", "b"], [], ["it's"]]), `[['a', 'b'], [], ["it's"]]`);
 * ```
 */
export function pyReprEvents(events: readonly (readonly string[])[]): string {
  const inner = events.map((event) => "[" + event.map(pyReprString).join(", ") + "]");
  return "[" + inner.join(", ") + "]";
}
